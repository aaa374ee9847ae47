using System.Diagnostics;
using System.Net.Sockets;
using UrlLoading.Background;

namespace UrlLoading.Daemon.Tests;

/// <summary>Where the daemon and the test app were built, beside this test assembly's configuration.</summary>
internal static class Builds
{
    private static readonly string s_configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string RepositoryRoot { get; } = FindRoot();

    public static string Daemon => Path.Combine(RepositoryRoot, "src", "UrlSession.Daemon", "bin", s_configuration, "net10.0", "urlsessiond.dll");

    public static string App => Path.Combine(RepositoryRoot, "tests", "BackgroundApp", "bin", s_configuration, "net10.0", "BackgroundApp.dll");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Toolkit.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException("Toolkit.sln not found above the test assembly.");
    }
}

/// <summary>One user's daemon world: private socket and state folders, the daemon process, and apps run against it.</summary>
internal sealed class DaemonWorld : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("urlsessiond-test-").FullName;
    private Process? _daemon;

    public string Root => _root;

    public string RuntimeFolder => Path.Combine(_root, "run");

    public string StateFolder => Path.Combine(_root, "state");

    public string Destination { get; }

    public Dictionary<string, string> Environment { get; } = [];

    public DaemonWorld()
    {
        Destination = Directory.CreateDirectory(Path.Combine(_root, "dest")).FullName;
        Environment["URLSESSIOND_RUNTIME_DIR"] = RuntimeFolder;
        Environment["URLSESSIOND_STATE_DIR"] = StateFolder;
        Environment["URLSESSIOND_PATH"] = Builds.Daemon;
        Environment["URLSESSIOND_RETRY_BASE_MS"] = "100";
    }

    /// <summary>Lets other users reach the socket's folder, so that only the socket's own mode and the peer check stand in their way.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void OpenFoldersToOtherUsers()
    {
        File.SetUnixFileMode(_root, (UnixFileMode)Convert.ToInt32("711", 8));
        File.SetUnixFileMode(RuntimeFolder, (UnixFileMode)Convert.ToInt32("711", 8));
    }

    public string SocketPath => Path.Combine(RuntimeFolder, BackgroundPaths.SocketFileName);

    public int DaemonPid => _daemon?.Id ?? 0;

    /// <summary>Starts the daemon and waits until it answers on its socket.</summary>
    public async Task StartDaemonAsync()
    {
        _daemon = Start("dotnet", [Builds.Daemon, "run"]);
        // In the foreground it logs every line to the console too: read them, or a full pipe stops the daemon.
        _daemon.OutputDataReceived += static (_, _) => { };
        _daemon.BeginOutputReadLine();
        for (int i = 0; i < 400; i++)
        {
            if (await CanConnectAsync())
                return;
            if (_daemon.HasExited)
                throw new InvalidOperationException($"urlsessiond exited with {_daemon.ExitCode}: {await _daemon.StandardError.ReadToEndAsync()}");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException("urlsessiond did not listen within 10 s.");
    }

    public async Task<bool> CanConnectAsync()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), TestContext.Current.CancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>kill -9: no chance to checkpoint or clean up.</summary>
    public async Task KillDaemonAsync()
    {
        _daemon!.Kill();
        await _daemon.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>SIGSTOP: the daemon is alive, holds its socket, and answers nothing until <see cref="ContinueDaemonAsync"/>.</summary>
    public Task StopDaemonAsync() => SignalDaemonAsync("STOP");

    public Task ContinueDaemonAsync() => SignalDaemonAsync("CONT");

    private async Task SignalDaemonAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", DaemonPid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -{signal} {DaemonPid} exited {kill.ExitCode}");
    }

    /// <summary>Points this test process's background sessions at this world until disposed (one world at a time).</summary>
    public IDisposable UseInThisProcess()
    {
        foreach (var (name, value) in Environment)
            System.Environment.SetEnvironmentVariable(name, value);
        return new EnvironmentScope([.. Environment.Keys]);
    }

    private sealed class EnvironmentScope(string[] names) : IDisposable
    {
        public void Dispose()
        {
            foreach (var name in names)
                System.Environment.SetEnvironmentVariable(name, null);
        }
    }

    /// <summary>The daemon's peak resident memory so far (VmHWM), as its /proc status says.</summary>
    public string DaemonPeakMemory() =>
        File.ReadLines($"/proc/{DaemonPid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))?["VmHWM:".Length..].Trim() ?? "unknown";

    /// <summary>The state database's size on disk, its write-ahead log included, in KiB.</summary>
    public string DatabaseSize() =>
        $"{(new[] { "state.db", "state.db-wal" }.Select(f => new FileInfo(Path.Combine(StateFolder, f))).Where(f => f.Exists).Sum(f => f.Length) + 1023) / 1024} KiB";

    /// <summary>The journal's undelivered events and the highest delivered one, read from the daemon's database (for failure messages).</summary>
    public string JournalSummary()
    {
        string path = Path.Combine(StateFolder, "state.db");
        if (!File.Exists(path))
            return "no state.db";
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT (SELECT group_concat(seq || ':' || kind || ' #' || task_id, ', ') FROM events WHERE delivered = 0), (SELECT MAX(seq) FROM events)";
        using var reader = command.ExecuteReader();
        reader.Read();
        return $"undelivered [{(reader.IsDBNull(0) ? "" : reader.GetString(0))}], highest sequence in the journal {(reader.IsDBNull(1) ? "none" : reader.GetInt64(1))}";
    }

    /// <summary>Runs the test app to its end and returns its exit code and output lines.</summary>
    public async Task<(int Code, List<string> Lines)> RunAppAsync(params string[] arguments)
    {
        using var app = StartApp(arguments);
        var output = await app.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await app.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        return (app.ExitCode, [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
    }

    public Process StartApp(params string[] arguments) => Start("dotnet", [Builds.App, .. arguments]);

    /// <summary>Runs the daemon's command line (<c>urlsessiond status</c>, ...) as a process of this world, to its end.</summary>
    public async Task<(int Code, List<string> Lines)> RunCommandAsync(params string[] arguments)
    {
        using var cli = Start("dotnet", [Builds.Daemon, .. arguments]);
        var output = cli.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = cli.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await Task.WhenAll(output, errors);
        await cli.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        return (cli.ExitCode, [.. (output.Result + errors.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
    }

    /// <summary>Waits for the daemon this world started to exit by itself and returns its exit code.</summary>
    public async Task<int> DaemonExitAsync(TimeSpan patience)
    {
        await _daemon!.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(patience, TestContext.Current.CancellationToken);
        return _daemon.ExitCode;
    }

    /// <summary>An RPC client of the daemon, as the CLI is.</summary>
    public async Task<RpcConnection> ConnectAsync(Func<string, System.Text.Json.JsonElement, ValueTask>? onNotification = null)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), TestContext.Current.CancellationToken);
        var rpc = new RpcConnection(new NetworkStream(socket, ownsSocket: true), null, onNotification);
        _ = rpc.RunAsync();
        return rpc;
    }

    public async Task<List<SessionInfo>> ListAsync()
    {
        await using var rpc = await ConnectAsync();
        return (await rpc.InvokeAsync(BackgroundProtocol.List, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.ListResult)).Sessions;
    }

    /// <summary>Waits (bounded) until the daemon's state satisfies <paramref name="condition"/>.</summary>
    public async Task<List<SessionInfo>> UntilAsync(Func<List<SessionInfo>, bool> condition, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var sessions = await ListAsync();
            if (condition(sessions))
                return sessions;
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"Waited {seconds} s for {what}; the daemon lists: {string.Join("; ", sessions.SelectMany(s => s.Tasks).Select(t => $"#{t.TaskIdentifier} {t.State} {t.BytesReceived}"))}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public string Log => File.Exists(Path.Combine(StateFolder, "urlsessiond.log"))
        ? ReadShared(Path.Combine(StateFolder, "urlsessiond.log"))
        : "";

    public async ValueTask DisposeAsync()
    {
        if (_daemon is { HasExited: false })
        {
            _daemon.Kill(entireProcessTree: true);
            await _daemon.WaitForExitAsync();
        }
        _daemon?.Dispose();
        // An app may have started a daemon of this world on demand (after a kill, say): it goes too.
        foreach (var process in Process.GetProcessesByName("dotnet"))
        {
            if (BelongsHere(process.Id))
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
        Directory.Delete(_root, recursive: true);
    }

    private bool BelongsHere(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Contains(StateFolder, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    private Process Start(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in Environment)
        {
            // An empty value unsets the variable, so a test can run an app as cron or su would (no XDG_RUNTIME_DIR).
            if (value.Length == 0)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }
}

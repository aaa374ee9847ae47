using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using UrlLoading.Background;
using UrlLoading.Tests;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// Attacks on what urlsessiond keeps and shows (issue 12): credentials in its log, its listings and its files, and a
/// client that sends requests and never reads the answers. A real daemon, a real loopback server, real OS users.
/// </summary>
public sealed class DaemonSecurityTests
{
    private const string Identifier = "tests.security";
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly string[] s_secrets = ["secret", "tok123", "sid=abc", "qtok789"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Credentials_in_a_tasks_url_and_headers_appear_in_no_log_line_list_or_logs_output()
    {
        await using var server = await FileServer.StartAsync(size: 2_000_000, stallAfter: 1_000_000, resets: 1);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        await using var client = await StartCredentialedDownloadAsync(world, server);
        await server.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var (listCode, listed) = await RunCommandAsync(world, "list");
        server.Release.TrySetResult();
        await UntilCompletedAsync(world);
        var (logsCode, logs) = await RunCommandAsync(world, "logs");

        Assert.Equal(0, listCode);
        Assert.Equal(0, logsCode);
        // The lines are there (the URL with its user name, the retry's error), only without the credentials.
        Assert.Contains("http://user:***@127.0.0.1:", listed, StringComparison.Ordinal);
        Assert.Contains("retries 1", listed, StringComparison.Ordinal);
        Assert.Contains("access_token=***", listed, StringComparison.Ordinal);
        Assert.Contains("http://user:***@127.0.0.1:", world.Log, StringComparison.Ordinal);
        Assert.Contains("attempt 1 failed", world.Log, StringComparison.Ordinal);
        Assert.Contains("http://user:***@127.0.0.1:", logs, StringComparison.Ordinal);
        foreach (var secret in s_secrets)
        {
            Assert.DoesNotContain(secret, world.Log, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_state_database_log_and_download_files_are_0600_in_0700_folders()
    {
        await using var server = await FileServer.StartAsync(size: 2_000_000, stallAfter: 1_000_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        await using var client = await StartCredentialedDownloadAsync(world, server);
        await server.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        string partial = await PartialFileAsync(world);
        var partialMode = File.GetUnixFileMode(partial);
        server.Release.TrySetResult();
        await UntilCompletedAsync(world);
        // Not acknowledged (the test's client is no app): the hand-over file waits in finished/.
        string finished = Assert.Single(Directory.GetFiles(Path.Combine(world.StateFolder, "finished")));

        Assert.Equal(PrivateFile, partialMode);
        foreach (var file in new[] { "state.db", "state.db-wal", "state.db-shm", "urlsessiond.log" })
            Assert.Equal((file, PrivateFile), (file, File.GetUnixFileMode(Path.Combine(world.StateFolder, file))));
        Assert.Equal(PrivateFile, File.GetUnixFileMode(finished));
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(Path.Combine(world.StateFolder, "partial")));
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(Path.Combine(world.StateFolder, "finished")));
    }

    [Fact]
    public async Task An_existing_state_database_and_log_open_to_others_are_tightened_to_0600()
    {
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        await world.KillDaemonAsync();
        var open = (UnixFileMode)Convert.ToInt32("644", 8);
        foreach (var file in new[] { "state.db", "urlsessiond.log" })
            File.SetUnixFileMode(Path.Combine(world.StateFolder, file), open);
        Directory.CreateDirectory(Path.Combine(world.StateFolder, "finished"));
        File.SetUnixFileMode(Path.Combine(world.StateFolder, "finished"), (UnixFileMode)Convert.ToInt32("755", 8));

        await world.StartDaemonAsync();

        foreach (var file in new[] { "state.db", "urlsessiond.log" })
            Assert.Equal((file, PrivateFile), (file, File.GetUnixFileMode(Path.Combine(world.StateFolder, file))));
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(Path.Combine(world.StateFolder, "finished")));
    }

    [Fact]
    public async Task Another_user_who_can_reach_the_state_folder_cannot_read_the_database_the_log_or_a_finished_file()
    {
        OtherUser.RequireOrSkip();
        await using var server = await FileServer.StartAsync(size: 200_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        await using var client = await StartCredentialedDownloadAsync(world, server);
        await UntilCompletedAsync(world);
        string finished = Assert.Single(Directory.GetFiles(Path.Combine(world.StateFolder, "finished")));
        // Every folder on the way opened to others (search only), so that only the files' own modes stand in the way.
        world.OpenFoldersToOtherUsers();
        var traverse = (UnixFileMode)Convert.ToInt32("711", 8);
        File.SetUnixFileMode(world.StateFolder, traverse);
        File.SetUnixFileMode(Path.Combine(world.StateFolder, "finished"), traverse);
        var files = new[] { "state.db", "state.db-wal", "urlsessiond.log" }.Select(f => Path.Combine(world.StateFolder, f)).Append(finished).ToList();

        foreach (var file in files)
        {
            // The attacker reaches the file (stat works) and is stopped by its mode alone.
            var (statCode, mode, _) = await OtherUser.RunAsync("/usr/bin/stat", "-c", "%a", file);
            Assert.Equal((file, 0, "600"), (file, statCode, mode));
            var (catCode, stolen, error) = await OtherUser.RunAsync("/usr/bin/cat", file);
            Assert.NotEqual(0, catCode);
            Assert.Equal("", stolen);
            Assert.Contains("Permission denied", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_client_that_never_reads_its_answers_is_disconnected_and_the_daemon_stays_small()
    {
        const int Requests = 200_000;
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        await world.ListAsync();
        var before = Memory(world.DaemonPid);

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(world.SocketPath), Ct);
        int sent = 0;
        try
        {
            for (; sent < Requests; sent += 1000)
                await socket.SendAsync(Batch(sent, 1000), SocketFlags.None, Ct);
        }
        catch (SocketException)
        {
            // The daemon closed the connection: the point of the test.
        }
        bool closed = await ClosedAsync(socket);
        var after = Memory(world.DaemonPid);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"sent {sent} requests; VmRSS {before.Rss / 1024} -> {after.Rss / 1024} MiB, VmHWM {before.Peak / 1024} -> {after.Peak / 1024} MiB");

        Assert.True(closed, $"The daemon kept the connection open after {sent} unread requests.");
        Assert.True(sent < Requests, "Every request was accepted: nothing bounded what the client had waiting.");
        Assert.Contains("without reading the answers; a client must read the answer to each request", world.Log, StringComparison.Ordinal);
        Assert.True(after.Peak - before.Peak < 64 * 1024, $"The daemon's peak RSS grew from {before.Peak} to {after.Peak} KiB.");
        // Only that connection closed: the daemon serves a new client.
        await using var fresh = await world.ConnectAsync();
        var status = await fresh.InvokeAsync(BackgroundProtocol.Status, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.StatusResult, Ct);
        Assert.Equal(world.DaemonPid, status.Pid);
    }

    [Fact]
    public async Task A_client_that_reads_its_answers_may_have_more_requests_under_way_than_the_bound()
    {
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        await using var rpc = await world.ConnectAsync();

        var answers = Enumerable.Range(0, 2 * RpcConnection.MaximumUnansweredRequests)
            .Select(_ => rpc.InvokeAsync(BackgroundProtocol.Status, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.StatusResult, Ct))
            .ToList();
        var statuses = await Task.WhenAll(answers).WaitAsync(TimeSpan.FromSeconds(120), Ct);

        Assert.All(statuses, s => Assert.Equal(world.DaemonPid, s.Pid));
        Assert.DoesNotContain("without reading the answers", world.Log, StringComparison.Ordinal);
    }

    /// <summary>
    /// Attaches a session over the daemon's own protocol, as the runtime does, and creates a download whose URL has a
    /// password and an access token and whose request carries a bearer token and a cookie.
    /// </summary>
    private static async Task<RpcConnection> StartCredentialedDownloadAsync(DaemonWorld world, FileServer server)
    {
        var rpc = await world.ConnectAsync();
        await rpc.InvokeAsync(BackgroundProtocol.Hello, new HelloParams(BackgroundProtocol.Version, "security-tests", Environment.ProcessId),
            ProtocolJson.Default.HelloParams, ProtocolJson.Default.HelloResult, Ct);
        await rpc.InvokeAsync(BackgroundProtocol.Attach, new AttachParams(Identifier, new SessionSettings(30, 600, false, false, null, 6)),
            ProtocolJson.Default.AttachParams, ProtocolJson.Default.AttachResult, Ct);
        var url = new UriBuilder(server.Url) { UserName = "user", Password = "secret", Query = "access_token=qtok789&part=1" }.Uri.ToString();
        var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer tok123", ["Cookie"] = "sid=abc" };
        var task = new TaskInfo(1, "download", new RequestInfo(url, "GET", headers), "credentialed", "running", null, 0, -1, 0, 0, null);
        await rpc.InvokeAsync(BackgroundProtocol.CreateTask, new CreateTaskParams(Identifier, task, null),
            ProtocolJson.Default.CreateTaskParams, ProtocolJson.Default.Empty, Ct);
        return rpc;
    }

    /// <summary>The download's partial file, once the daemon has created it (bounded polling).</summary>
    private static async Task<string> PartialFileAsync(DaemonWorld world)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (Directory.GetFiles(Path.Combine(world.StateFolder, "partial")) is [var file])
                return file;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "No partial file appeared in 30 s.");
            await Task.Delay(20, Ct);
        }
    }

    private static Task UntilCompletedAsync(DaemonWorld world) =>
        world.UntilAsync(s => s.SingleOrDefault(x => x.Identifier == Identifier)?.Tasks.SingleOrDefault()?.State == "completed", "the download to complete");

    /// <summary>Runs the urlsessiond command line against the world's daemon, as a user would.</summary>
    private static async Task<(int Code, string Output)> RunCommandAsync(DaemonWorld world, string command)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, ArgumentList = { Builds.Daemon, command } };
        foreach (var (name, value) in world.Environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        return (process.ExitCode, await output + await error);
    }

    private static byte[] Batch(int first, int count)
    {
        var text = new StringBuilder();
        for (int id = first + 1; id <= first + count; id++)
            text.Append(CultureInfo.InvariantCulture, $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"status\"}}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads what the daemon did send until it closes the connection (true), or 30 s pass (false).</summary>
    private static async Task<bool> ClosedAsync(Socket socket)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, patience.Token) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true; // A reset: closed with requests of ours still unread.
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The process's resident set now and at its peak, in KiB (/proc/PID/status).</summary>
    private static (long Rss, long Peak) Memory(int pid)
    {
        long Field(string[] lines, string name) =>
            long.Parse(lines.Single(l => l.StartsWith(name, StringComparison.Ordinal))[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        var lines = File.ReadAllLines($"/proc/{pid}/status");
        return (Field(lines, "VmRSS:"), Field(lines, "VmHWM:"));
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using UrlLoading.Background;
using UrlLoading.Security;
using UrlLoading.Tests;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// The runtime sends nothing to a daemon it cannot prove is its own user's, and takes no file from a daemon outside
/// that daemon's private finished-files folder. The attacks are performed for real: by a second OS user where one is
/// needed, and by a same-user fake daemon for the hand-over rules.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DaemonTrustTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The attacker's urlsessiond: listens with a socket anyone may connect to, and records every byte it is sent.
    private const string FakeDaemon = """
        import os, socket, sys
        path, record = sys.argv[1], sys.argv[2]
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        os.chmod(path, 0o777)
        server.listen(8)
        print('listening', flush=True)
        while True:
            client, _ = server.accept()
            client.settimeout(5)
            with open(record, 'ab') as out:
                out.write(b'connection\n')
                try:
                    while True:
                        data = client.recv(65536)
                        if not data:
                            break
                        out.write(data)
                except OSError:
                    pass
            client.close()
        """;

    [Fact]
    public async Task A_fake_daemon_in_a_runtime_folder_another_user_made_first_under_tmp_is_sent_nothing()
    {
        OtherUser.RequireOrSkip();
        await using var world = new DaemonWorld();
        string tmp = SharedTmp(world);
        string squatted = Path.Combine(tmp, "urlsessiond-" + PeerCredentials.EffectiveUserId);
        Assert.Equal(0, (await OtherUser.ShellAsync($"mkdir '{squatted}' && chmod 777 '{squatted}'")).Code);
        string record = Path.Combine(squatted, "record");
        using var fake = await StartFakeDaemonAsync(Path.Combine(squatted, BackgroundPaths.SocketFileName), record);

        var (code, lines) = await RunAppLikeCronAsync(world, tmp);

        Assert.Equal(4, code);
        Assert.StartsWith($"refused {(int)UrlErrorCode.BackgroundSessionWasDisconnected} urlsessiond cannot be trusted: {squatted} belongs to another user (uid {OtherUser.Uid}", lines[0], StringComparison.Ordinal);
        Assert.Contains("URLSESSIOND_RUNTIME_DIR", lines[0], StringComparison.Ordinal);
        Assert.False(File.Exists(record), "the fake daemon was connected to");
    }

    [Fact]
    public async Task A_symlink_another_user_put_at_the_runtime_folder_is_not_followed()
    {
        OtherUser.RequireOrSkip();
        await using var world = new DaemonWorld();
        string tmp = SharedTmp(world);
        string lair = Path.Combine(tmp, "attacker");
        string squatted = Path.Combine(tmp, "urlsessiond-" + PeerCredentials.EffectiveUserId);
        Assert.Equal(0, (await OtherUser.ShellAsync($"mkdir '{lair}' && chmod 777 '{lair}' && ln -s '{lair}' '{squatted}'")).Code);
        string record = Path.Combine(lair, "record");
        using var fake = await StartFakeDaemonAsync(Path.Combine(lair, BackgroundPaths.SocketFileName), record);

        var (code, lines) = await RunAppLikeCronAsync(world, tmp);

        Assert.Equal(4, code);
        Assert.Contains($"{squatted} is a symbolic link", lines[0], StringComparison.Ordinal);
        Assert.False(File.Exists(record), "the fake daemon was connected to");
    }

    [Fact]
    public async Task A_listener_of_another_user_in_the_users_own_folder_is_refused_by_its_peer_credentials()
    {
        OtherUser.RequireOrSkip();
        await using var world = new DaemonWorld();
        // The folder passes every check (this user's, 0700); only the process behind the socket is the attacker's.
        Directory.CreateDirectory(world.RuntimeFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string lair = Directory.CreateDirectory(Path.Combine(SharedTmp(world), "attacker")).FullName;
        File.SetUnixFileMode(lair, (UnixFileMode)Convert.ToInt32("777", 8));
        File.SetUnixFileMode(world.RuntimeFolder, (UnixFileMode)Convert.ToInt32("777", 8));
        string record = Path.Combine(lair, "record");
        using var fake = await StartFakeDaemonAsync(world.SocketPath, record);
        File.SetUnixFileMode(world.RuntimeFolder, PrivateFolder.Mode);

        var (code, lines) = await world.RunAppAsync("start", "http://127.0.0.1:9/never", "secret-task");

        Assert.Equal(4, code);
        Assert.Contains($"The process listening on {world.SocketPath} is not yours (uid {OtherUser.Uid}, not uid {PeerCredentials.EffectiveUserId}); nothing was sent to it", lines[0], StringComparison.Ordinal);
        // It saw a connection, and not one byte: no hello, no task, no header.
        Assert.Equal("connection\n", await WhenWrittenAsync(record, "connection\n"));
    }

    [Fact]
    public async Task A_runtime_folder_of_the_users_own_that_others_may_enter_is_refused_with_the_fix()
    {
        await using var world = new DaemonWorld();
        Directory.CreateDirectory(world.RuntimeFolder);
        File.SetUnixFileMode(world.RuntimeFolder, (UnixFileMode)Convert.ToInt32("755", 8));

        var (code, lines) = await world.RunAppAsync("start", "http://127.0.0.1:9/never", "task");

        Assert.Equal(4, code);
        Assert.Contains($"{world.RuntimeFolder} has mode 755", lines[0], StringComparison.Ordinal);
        Assert.Contains($"chmod 700 {world.RuntimeFolder}", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_finished_file_named_outside_the_daemons_folder_is_neither_given_to_the_delegate_nor_deleted()
    {
        await using var world = new DaemonWorld();
        string victim = Path.Combine(world.Destination, "thesis.tex");
        await File.WriteAllTextAsync(victim, "years of work", Ct);
        await using var fake = SameUserDaemon.Start(world, victim);

        var (code, lines) = await world.RunAppAsync("start", "http://127.0.0.1:9/file", "task", "--wait");

        Assert.Equal(0, code);
        Assert.DoesNotContain(lines, line => line.StartsWith("finished", StringComparison.Ordinal));
        Assert.Contains($"complete #1 {(int)UrlErrorCode.CannotOpenFile}", lines);
        Assert.Equal("years of work", await File.ReadAllTextAsync(victim, Ct));
    }

    [Fact]
    public async Task A_symlink_in_the_finished_folder_is_neither_followed_nor_deleted()
    {
        await using var world = new DaemonWorld();
        string victim = Path.Combine(world.Destination, "thesis.tex");
        await File.WriteAllTextAsync(victim, "years of work", Ct);
        string finished = Directory.CreateDirectory(Path.Combine(world.StateFolder, "finished"), PrivateFolder.Mode).FullName;
        string link = Path.Combine(finished, "0123.download");
        File.CreateSymbolicLink(link, victim);
        await using var fake = SameUserDaemon.Start(world, link);

        var (code, lines) = await world.RunAppAsync("start", "http://127.0.0.1:9/file", "task", "--wait");

        Assert.Equal(0, code);
        Assert.Contains($"complete #1 {(int)UrlErrorCode.CannotOpenFile}", lines);
        Assert.True(File.Exists(link), "the symlink was deleted");
        Assert.Equal("years of work", await File.ReadAllTextAsync(victim, Ct));
    }

    /// <summary>A folder like /tmp (1777, sticky) inside the test's own root, where any user may create names.</summary>
    private static string SharedTmp(DaemonWorld world)
    {
        File.SetUnixFileMode(world.Root, (UnixFileMode)Convert.ToInt32("711", 8));
        string tmp = Directory.CreateDirectory(Path.Combine(world.Root, "tmp")).FullName;
        File.SetUnixFileMode(tmp, (UnixFileMode)Convert.ToInt32("1777", 8));
        return tmp;
    }

    /// <summary>Runs the app as cron or su would: no XDG_RUNTIME_DIR, no override, the shared folder as its temp folder.</summary>
    private static Task<(int Code, List<string> Lines)> RunAppLikeCronAsync(DaemonWorld world, string tmp)
    {
        world.Environment["URLSESSIOND_RUNTIME_DIR"] = "";
        world.Environment["XDG_RUNTIME_DIR"] = "";
        world.Environment["TMPDIR"] = tmp + "/";
        return world.RunAppAsync("start", "http://127.0.0.1:9/never", "secret-task");
    }

    private static async Task<KilledOnDispose> StartFakeDaemonAsync(string socketPath, string record)
    {
        var fake = OtherUser.Start("/usr/bin/python3", "-c", FakeDaemon, socketPath, record);
        string? ready = await fake.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        if (ready != "listening")
            throw new InvalidOperationException($"The fake daemon did not start: {await fake.StandardError.ReadToEndAsync(Ct)}");
        return new KilledOnDispose(fake);
    }

    /// <summary>Reads the record once it holds <paramref name="expected"/> (bounded), then once more after the app has gone.</summary>
    private static async Task<string> WhenWrittenAsync(string record, string expected)
    {
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(record) && (await File.ReadAllTextAsync(record, Ct)).Length >= expected.Length) && clock.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(20, Ct);
        return File.Exists(record) ? await File.ReadAllTextAsync(record, Ct) : "";
    }

    /// <summary>The attacker's process, ended with the test.</summary>
    private sealed class KilledOnDispose(Process process) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                process.Kill();
                process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
        }
    }

    /// <summary>
    /// A daemon of the same user (one trust domain, so its socket is accepted) that answers the handshake, takes the
    /// app's task, and hands over <c>location</c> as the finished file, then a successful completion.
    /// </summary>
    private sealed class SameUserDaemon : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly Task _serving;
        private readonly string _location;
        private RpcConnection? _rpc;

        private SameUserDaemon(Socket listener, string location)
        {
            _listener = listener;
            _location = location;
            _serving = ServeAsync();
        }

        public static SameUserDaemon Start(DaemonWorld world, string location)
        {
            Directory.CreateDirectory(world.RuntimeFolder, PrivateFolder.Mode);
            Directory.CreateDirectory(Path.Combine(world.StateFolder, "finished"), PrivateFolder.Mode);
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(world.SocketPath));
            listener.Listen(4);
            return new SameUserDaemon(listener, location);
        }

        private async Task ServeAsync()
        {
            var client = await _listener.AcceptAsync(Ct);
            _rpc = new RpcConnection(new NetworkStream(client, ownsSocket: true), OnRequestAsync, null);
            await _rpc.RunAsync();
        }

        private ValueTask<string?> OnRequestAsync(string method, JsonElement parameters)
        {
            switch (method)
            {
                case BackgroundProtocol.Hello:
                    return new(JsonSerializer.Serialize(new HelloResult(BackgroundProtocol.Version, "fake", Environment.ProcessId), ProtocolJson.Default.HelloResult));
                case BackgroundProtocol.Attach:
                    return new(JsonSerializer.Serialize(new AttachResult([]), ProtocolJson.Default.AttachResult));
                case BackgroundProtocol.CreateTask:
                    var create = parameters.Deserialize(ProtocolJson.Default.CreateTaskParams)!;
                    _ = HandOverAsync(create.Identifier, create.Task.TaskIdentifier, create.Task.Request.Url);
                    return new("{}");
                default:
                    return new("{}");
            }
        }

        private async Task HandOverAsync(string identifier, int task, string url)
        {
            await Task.Yield();
            var response = new ResponseInfo(url, 200, []);
            await _rpc!.NotifyAsync(BackgroundProtocol.Event,
                new EventMessage(identifier, 1, task, EventKinds.Finished, 13, 13, 13, _location, response, 0, null, null), ProtocolJson.Default.EventMessage);
            await _rpc.NotifyAsync(BackgroundProtocol.Event,
                new EventMessage(identifier, 2, task, EventKinds.Completed, 0, 13, 13, null, response, 0, null, null), ProtocolJson.Default.EventMessage);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            if (_rpc is not null)
                await _rpc.DisposeAsync();
            try
            {
                await _serving;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
            {
                // The app went first.
            }
        }
    }
}

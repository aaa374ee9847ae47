using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using UrlLoading.Background;

// Background sessions and urlsessiond are Unix-only.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace UrlLoading.Daemon.Tests;

/// <summary>Background sessions end to end: a real urlsessiond process, a real app process, a loopback server.</summary>
[Collection(InProcessSessions.Name)]
public sealed class BackgroundSessionTests
{
    private const string Identifier = "tests.background.downloads";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The delegate's events in order, and what the app's main code printed beside them: the replay starts as soon as
    /// the session exists, so "held" lines (from GetAllTasksAsync) may come before or between the events.
    /// </summary>
    private static (List<string> Held, List<string> Events) Split(IEnumerable<string> lines)
    {
        var all = lines.ToList();
        bool IsMain(string l) => l.StartsWith("held ", StringComparison.Ordinal) || l.StartsWith("launch ", StringComparison.Ordinal);
        return ([.. all.Where(IsMain)], [.. all.Where(l => !IsMain(l))]);
    }

    private static void AssertLines(IEnumerable<string> lines, string[] held, string[] events)
    {
        var (h, e) = Split(lines);
        Assert.Equal(held, h);
        Assert.Equal(events, e);
    }

    [Fact]
    public async Task A_download_finishes_while_the_app_is_gone_and_is_delivered_once_when_it_returns()
    {
        await using var server = await FileServer.StartAsync(stallAfter: 1_500_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();

        var (code, started) = await world.RunAppAsync("start", server.Url.AbsoluteUri, "nightly-build");
        Assert.Equal(0, code);
        Assert.Equal(["started #1"], started);
        await server.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // The app has exited; the daemon holds the transfer. Let it finish.
        server.Release.TrySetResult();
        var sessions = await world.UntilAsync(s => s.Any(x => x.PendingEvents == 2), "the finished and completed events");
        var session = Assert.Single(sessions);
        Assert.Equal(("BackgroundApp", Identifier, false), (session.App, session.Identifier, session.Connected));

        var (_, first) = await world.RunAppAsync("attach", world.Destination);
        AssertLines(first, ["held #1 nightly-build"], [$"finished #1 nightly-build {server.Content.Length} 200", "complete #1 ok", "events done"]);
        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Path.Combine(world.Destination, "1.bin"), Ct));

        // Delivered once: the next launch finds nothing, and the daemon kept no file behind.
        var (_, second) = await world.RunAppAsync("attach", world.Destination);
        Assert.Equal(["nothing held"], second);
        Assert.Empty(Directory.GetFiles(Path.Combine(world.StateFolder, "finished")));
        Assert.Empty(Directory.GetFiles(Path.Combine(world.StateFolder, "partial")));
        Assert.Equal(["GET"], server.Requests);
    }

    [Fact]
    public async Task Cancelling_a_background_download_with_resume_data_keeps_its_bytes_and_a_background_task_continues_from_them()
    {
        await using var server = await FileServer.StartAsync(stallAfter: 1_500_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();

        var (code, lines) = await world.RunAppAsync("cancel-resume", server.Url.AbsoluteUri, world.Destination);
        Assert.True(code == 0, string.Join('\n', lines));
        string offsetLine = Assert.Single(lines, l => l.StartsWith("resume data at ", StringComparison.Ordinal));
        long offset = long.Parse(offsetLine["resume data at ".Length..]);
        Assert.InRange(offset, 1_000_000, 1_500_000);
        Assert.Equal(["complete #1 -999", offsetLine, $"finished #2 resumed {server.Content.Length} 206", "complete #2 ok"], lines);
        Assert.Equal(["GET", $"GET bytes={offset}-"], server.Requests);
        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Path.Combine(world.Destination, "2.bin"), Ct));
        Assert.Empty(Directory.GetFiles(Path.Combine(world.StateFolder, "partial")));
    }

    [Fact]
    public async Task A_challenge_met_by_the_daemon_is_answered_by_the_delegate_of_the_app_that_has_the_session_open()
    {
        await using var server = await FileServer.StartAsync(size: 500_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        world.Environment["BACKGROUND_APP_CREDENTIAL"] = "ada:lovelace";

        var (code, lines) = await world.RunAppAsync("start", server.PrivateUrl.AbsoluteUri, "members-only", "--wait");
        Assert.True(code == 0, string.Join('\n', lines));
        // "started" is printed by the app's main code, which may run before or after the daemon's question arrives.
        Assert.Equal([$"challenge #1 {UrlProtectionSpace.AuthenticationMethodHttpBasic} files 0", $"finished #1 members-only {server.Content.Length} 200", "complete #1 ok"],
            lines.Where(l => !l.StartsWith("started ", StringComparison.Ordinal)));
        Assert.Contains("started #1", lines);
        Assert.Equal(["GET private", "GET private Basic " + Convert.ToBase64String("ada:lovelace"u8)], server.Requests);
        Assert.DoesNotContain("lovelace", await File.ReadAllTextAsync(Path.Combine(world.StateFolder, "urlsessiond.log"), Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_trust_in_the_daemon_follows_the_app_s_pinning_and_is_never_weakened_without_it()
    {
        await using var server = await FileServer.StartAsync(size: 500_000, tls: true);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        world.Environment["BACKGROUND_APP_PIN"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(server.Certificate!.RawData));

        var (code, pinned) = await world.RunAppAsync("start", server.Url.AbsoluteUri, "pinned", "--wait");
        Assert.True(code == 0, string.Join('\n', pinned));
        Assert.Contains("trust 127.0.0.1 pinned", pinned);
        Assert.Contains($"finished #1 pinned {server.Content.Length} 200", pinned);
        Assert.Contains("complete #1 ok", pinned);

        // A server whose certificate is not the pinned one (a new connection, so a new handshake): the delegate leaves
        // it to default handling, and the daemon refuses the chain nobody trusts.
        await using var impostor = await FileServer.StartAsync(size: 500_000, tls: true);
        var (_, refused) = await world.RunAppAsync("start", impostor.Url.AbsoluteUri, "impostor", "--wait");
        Assert.Contains("trust 127.0.0.1 default", refused);
        Assert.Contains($"complete #1 {(int)UrlErrorCode.ServerCertificateUntrusted}", refused);
        Assert.DoesNotContain(refused, l => l.StartsWith("finished ", StringComparison.Ordinal));
        Assert.Empty(impostor.Requests);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_file_upload_is_sent_by_the_daemon_and_its_response_reaches_the_app_that_returns()
    {
        await using var server = await FileServer.StartAsync();
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        string file = Path.Combine(world.Destination, "photo.raw");
        var payload = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3_000_000);
        await File.WriteAllBytesAsync(file, payload, Ct);

        Assert.Equal(["started #1"], (await world.RunAppAsync("upload", server.UploadUrl.AbsoluteUri, file, "holiday photos")).Lines);
        await server.UploadReceived.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        server.UploadRelease.TrySetResult();
        await world.UntilAsync(s => s.Any(x => x.PendingEvents == 1), "the upload's completion");

        var (_, lines) = await world.RunAppAsync("attach", world.Destination);
        string digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(payload));
        AssertLines(lines, ["held #1 holiday photos"], [$"data #1 received {payload.Length} bytes, sha256 {digest}", "complete #1 ok 200", "events done"]);
        Assert.Equal(["nothing held"], (await world.RunAppAsync("attach", world.Destination)).Lines);
    }

    [Fact]
    public async Task An_app_that_stays_gets_progress_the_file_and_the_completion_live()
    {
        await using var server = await FileServer.StartAsync();
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        var (code, lines) = await world.RunAppAsync("start", server.Url.AbsoluteUri, "live", "--wait");
        Assert.Equal(0, code);
        Assert.Equal(["started #1", $"finished #1 live {server.Content.Length} 200", "complete #1 ok"], lines);
    }

    [Fact]
    public async Task Killing_the_daemon_mid_transfer_loses_at_most_a_checkpoint_and_the_file_is_exact()
    {
        await using var server = await FileServer.StartAsync(size: 8_000_000, stallAfter: 3_500_000, holdRanges: true);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        Assert.Equal(0, (await world.RunAppAsync("start", server.Url.AbsoluteUri, "survivor")).Code);
        await world.UntilAsync(s => s.SelectMany(x => x.Tasks).Any(t => t.BytesReceived >= 3 * 1024 * 1024), "a checkpoint at 3 MiB");

        await world.KillDaemonAsync();
        await world.StartDaemonAsync();
        // An app that comes back mid-transfer first learns where it stands (the checkpoint the restart continues from).
        var (_, progress) = await world.RunAppAsync("progress");
        var summary = Assert.Single(progress, l => l.StartsWith("progress #1 ", StringComparison.Ordinal));
        long at = long.Parse(summary.Split(' ')[2].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(at, 3 * 1024 * 1024, 3_500_000);
        Assert.EndsWith($"/{server.Content.Length} ({at})", summary, StringComparison.Ordinal);
        server.RangeRelease.TrySetResult();
        await world.UntilAsync(s => s.Any(x => x.PendingEvents == 2), "the restarted daemon to finish");

        var (_, lines) = await world.RunAppAsync("attach", world.Destination);
        // The response the app sees is the one that ended the transfer: the 206 that continued it.
        AssertLines(lines, ["held #1 survivor"], [$"finished #1 survivor {server.Content.Length} 206", "complete #1 ok", "events done"]);
        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Path.Combine(world.Destination, "1.bin"), Ct));
        // The restart continued from the checkpoint with a range request, not from zero.
        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.StartsWith("GET bytes=", requests[1], StringComparison.Ordinal);
        long from = long.Parse(requests[1]["GET bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(from, 3 * 1024 * 1024, 3_500_000);
    }

    [Fact]
    public async Task An_open_session_reconnects_when_the_daemon_restarts_and_gets_its_events_once()
    {
        await using var server = await FileServer.StartAsync(size: 8_000_000, stallAfter: 3_500_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        using var app = world.StartApp("start", server.Url.AbsoluteUri, "steady", "--wait");
        Assert.Equal("started #1", await app.StandardOutput.ReadLineAsync(Ct));
        await world.UntilAsync(s => s.SelectMany(x => x.Tasks).Any(t => t.BytesReceived >= 3 * 1024 * 1024), "a checkpoint at 3 MiB");

        // The app's session notices, starts a new daemon itself (on demand), reattaches and gets its events.
        await world.KillDaemonAsync();

        string rest = await app.StandardOutput.ReadToEndAsync(Ct);
        await app.WaitForExitAsync(Ct);
        Assert.Equal([$"finished #1 steady {server.Content.Length} 206", "complete #1 ok"], rest.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(0, app.ExitCode);
        await world.UntilAsync(s => s.All(x => x.Tasks.Count == 0 && x.PendingEvents == 0), "the delivered task to be forgotten");
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff_and_Retry_After_is_honoured()
    {
        await using var server = await FileServer.StartAsync(size: 500_000, resets: 2, unavailable: 1);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        var clock = Stopwatch.StartNew();
        var (_, lines) = await world.RunAppAsync("start", server.Url.AbsoluteUri, "flaky", "--wait");
        Assert.Equal(["started #1", $"finished #1 flaky {server.Content.Length} 200", "complete #1 ok"], lines);
        Assert.Equal(4, server.Requests.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), "the 503's Retry-After of one second was waited for");
        Assert.Contains("retrying in", world.Log, StringComparison.Ordinal);
        Assert.Contains("server asked to retry after 1 s", world.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_process_cannot_open_a_session_that_another_has_open()
    {
        await using var server = await FileServer.StartAsync();
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        using var holder = world.StartApp("hold");
        Assert.Equal("holding", await holder.StandardOutput.ReadLineAsync(Ct));
        var (code, lines) = await world.RunAppAsync("start", server.Url.AbsoluteUri, "second");
        Assert.Equal(4, code);
        Assert.StartsWith("refused -996 ", Assert.Single(lines), StringComparison.Ordinal);
        holder.Kill();
        await holder.WaitForExitAsync(Ct);
        await world.UntilAsync(s => s.All(x => !x.Connected), "the holder to detach");
        Assert.Equal(0, (await world.RunAppAsync("start", server.Url.AbsoluteUri, "third", "--wait")).Code);
    }

    [Fact]
    public async Task The_app_starts_the_daemon_on_demand()
    {
        await using var server = await FileServer.StartAsync(size: 100_000);
        await using var world = new DaemonWorld();
        Assert.False(await world.CanConnectAsync());
        var (code, lines) = await world.RunAppAsync("start", server.Url.AbsoluteUri, "on-demand", "--wait");
        Assert.Equal(0, code);
        Assert.Equal("complete #1 ok", lines[^1]);
        Assert.True(await world.CanConnectAsync());
        await using var rpc = await world.ConnectAsync();
        var status = await rpc.InvokeAsync(BackgroundProtocol.Status, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.StatusResult, Ct);
        Process.GetProcessById(status.Pid).Kill();
    }

    [Fact]
    public async Task When_events_wait_and_no_app_is_open_the_daemon_launches_the_app_which_takes_them()
    {
        await using var server = await FileServer.StartAsync(size: 300_000, stallAfter: 100_000);
        await using var world = new DaemonWorld();
        string output = Path.Combine(world.Destination, "launched.txt");
        world.Environment["BACKGROUND_APP_LAUNCH_COMMAND"] = $"exec dotnet '{Builds.App}' launched '{world.Destination}' > '{output}' 2>&1";
        await world.StartDaemonAsync();
        Assert.Equal(0, (await world.RunAppAsync("start", server.Url.AbsoluteUri, "wake-me")).Code);
        await server.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        server.Release.TrySetResult();

        await world.UntilAsync(s => s.All(x => x.PendingEvents == 0 && x.Tasks.Count == 0), "the launched app to take the events");
        // The launched app prints its last line after the last acknowledgement; wait (bounded) for it to get there.
        for (int i = 0; i < 400 && !(File.Exists(output) && File.ReadAllText(output).Contains("events done", StringComparison.Ordinal)); i++)
            await Task.Delay(25, Ct);
        var lines = File.ReadAllLines(output);
        AssertLines(lines, ["held #1 wake-me", $"launch {Identifier}"], ["finished #1 wake-me 300000 200", "complete #1 ok", "events done"]);
        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Path.Combine(world.Destination, "1.bin"), Ct));
        Assert.Contains("launched 'exec dotnet", world.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_from_the_command_line_completes_the_task_with_Cancelled_for_the_app()
    {
        await using var server = await FileServer.StartAsync(stallAfter: 200_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        Assert.Equal(0, (await world.RunAppAsync("start", server.Url.AbsoluteUri, "unwanted")).Code);
        await server.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var cli = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false, ArgumentList = { Builds.Daemon, "cancel", "BackgroundApp", Identifier, "1" } };
        foreach (var (name, value) in world.Environment)
            cli.Environment[name] = value;
        using (var cancel = Process.Start(cli)!)
        {
            Assert.Equal($"cancelled BackgroundApp {Identifier} #1", (await cancel.StandardOutput.ReadToEndAsync(Ct)).Trim());
            await cancel.WaitForExitAsync(Ct);
        }
        await world.UntilAsync(s => s.Any(x => x.PendingEvents == 1), "the cancellation to be journaled");
        var (_, lines) = await world.RunAppAsync("attach", world.Destination);
        AssertLines(lines, ["held #1 unwanted"], ["complete #1 -999", "events done"]);
    }

    [Fact]
    public async Task A_task_cancelled_while_it_waits_for_a_transfer_slot_completes_with_Cancelled()
    {
        await using var server = await FileServer.StartAsync(stallAfter: 100_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        // The daemon runs four transfers at once: four stalled downloads hold every slot, the fifth waits.
        for (int i = 1; i <= 5; i++)
            Assert.Equal(0, (await world.RunAppAsync("start", server.Url.AbsoluteUri, $"d{i}")).Code);
        await world.UntilAsync(_ => server.Requests.Count == 4, "four downloads to hold the slots");

        var cli = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false, ArgumentList = { Builds.Daemon, "cancel", "BackgroundApp", Identifier, "5" } };
        foreach (var (name, value) in world.Environment)
            cli.Environment[name] = value;
        using (var cancel = Process.Start(cli)!)
        {
            await cancel.StandardOutput.ReadToEndAsync(Ct);
            await cancel.WaitForExitAsync(Ct);
        }
        await world.UntilAsync(s => s.Any(x => x.PendingEvents == 1), "the cancellation to be journaled");
        server.Release.TrySetResult();
        await world.UntilAsync(s => s.Any(x => x.PendingEvents == 9), "the other four to finish");
        var (_, lines) = await world.RunAppAsync("attach", world.Destination);
        var (_, events) = Split(lines);
        Assert.Equal("complete #5 -999", events[0]);
        Assert.Equal(4, events.Count(e => e.StartsWith("complete #", StringComparison.Ordinal) && e.EndsWith(" ok", StringComparison.Ordinal)));
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task Malformed_or_unknown_messages_are_refused_and_other_sessions_carry_on()
    {
        await using var server = await FileServer.StartAsync(stallAfter: 100_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        using var holder = world.StartApp("start", server.Url.AbsoluteUri, "bystander", "--wait");
        Assert.Equal("started #1", await holder.StandardOutput.ReadLineAsync(Ct));

        // Not JSON: the daemon closes that connection.
        using (var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await raw.ConnectAsync(new UnixDomainSocketEndPoint(world.SocketPath), Ct);
            await raw.SendAsync(Encoding.UTF8.GetBytes("this is not json\n"), Ct);
            Assert.Equal(0, await raw.ReceiveAsync(new byte[16], Ct));
        }
        // JSON-RPC, but wrong: clear errors, connection kept.
        await using (var rpc = await world.ConnectAsync())
        {
            var unknown = await Assert.ThrowsAsync<RpcException>(() => rpc.InvokeAsync("format-disk", new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.Empty, Ct));
            Assert.Equal(-32601, unknown.Code);
            var early = await Assert.ThrowsAsync<RpcException>(() => rpc.InvokeAsync(BackgroundProtocol.Attach, new AttachParams("x", new SessionSettings(60, 60, false, false, null, 6)), ProtocolJson.Default.AttachParams, ProtocolJson.Default.AttachResult, Ct));
            Assert.Contains("hello", early.Message, StringComparison.Ordinal);
            var version = await Assert.ThrowsAsync<RpcException>(() => rpc.InvokeAsync(BackgroundProtocol.Hello, new HelloParams(99, "intruder", 1), ProtocolJson.Default.HelloParams, ProtocolJson.Default.HelloResult, Ct));
            Assert.Equal(BackgroundProtocol.VersionMismatch, version.Code);
            await rpc.InvokeAsync(BackgroundProtocol.Hello, new HelloParams(BackgroundProtocol.Version, "intruder", 1), ProtocolJson.Default.HelloParams, ProtocolJson.Default.HelloResult, Ct);
            await rpc.InvokeAsync(BackgroundProtocol.Attach, new AttachParams(Identifier, new SessionSettings(60, 60, false, false, null, 6)), ProtocolJson.Default.AttachParams, ProtocolJson.Default.AttachResult, Ct);
            var bad = await Assert.ThrowsAsync<RpcException>(() => rpc.InvokeAsync(BackgroundProtocol.CreateTask,
                new CreateTaskParams(Identifier, new TaskInfo(1, "download", new RequestInfo("file:///etc/passwd", "GET", []), null, "running", null, 0, 0, 0, 0, null), null),
                ProtocolJson.Default.CreateTaskParams, ProtocolJson.Default.Empty, Ct));
            Assert.Contains("http and https", bad.Message, StringComparison.Ordinal);
        }
        server.Release.TrySetResult();
        Assert.Equal($"finished #1 bystander {server.Content.Length} 200", await holder.StandardOutput.ReadLineAsync(Ct));
        Assert.Equal("complete #1 ok", await holder.StandardOutput.ReadLineAsync(Ct));
        Assert.Contains("it sent a message that is not JSON", world.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_users_process_is_refused_by_the_socket_mode_and_by_the_peer_check()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv") || !File.Exists("/usr/bin/python3"))
            Assert.Skip("Needs root, setpriv and python3 to run a client as another user (uid 65534).");
        // The daemon may close the refused connection before the client's send (a broken pipe) or after it (a reset
        // or an empty read): all three are "connected, then closed".
        const string Client = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n  s.connect(sys.argv[1])\nexcept OSError as e:\n  print('refused', e.errno); sys.exit()\ntry:\n  s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}\\n'); print('answered' if s.recv(4096) else 'connected, then closed')\nexcept (ConnectionResetError, BrokenPipeError):\n  print('connected, then closed')\n";
        async Task<string> ConnectAsNobodyAsync(DaemonWorld world)
        {
            world.OpenFoldersToOtherUsers();
            var start = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, UseShellExecute = false, ArgumentList = { "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", Client, world.SocketPath } };
            using var process = Process.Start(start)!;
            string output = (await process.StandardOutput.ReadToEndAsync(Ct)).Trim();
            await process.WaitForExitAsync(Ct);
            return output;
        }

        await using (var world = new DaemonWorld())
        {
            await world.StartDaemonAsync();
            Assert.Equal("refused 13", await ConnectAsNobodyAsync(world)); // EACCES: the socket is 0600
        }
        await using (var world = new DaemonWorld())
        {
            world.Environment["URLSESSIOND_TEST_SOCKET_MODE"] = "666";
            await world.StartDaemonAsync();
            Assert.Equal("connected, then closed", await ConnectAsNobodyAsync(world));
            Assert.Contains("refused a connection from uid 65534", world.Log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_open_session_forgets_each_delivered_event_once_the_daemon_has_its_acknowledgement()
    {
        await using var server = await FileServer.StartAsync(size: 200_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        foreach (var (name, value) in world.Environment)
            Environment.SetEnvironmentVariable(name, value);
        try
        {
            var counting = new CountingDelegate(3);
            var session = new UrlSession(UrlSessionConfiguration.Background("tests.acks"), counting);
            for (int i = 0; i < 3; i++)
                session.DownloadTask(server.Url).Resume();
            await session.FlushAsync();
            await counting.AllCompleted.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            Assert.Equal(3, counting.Finished);
            // Six events (three files, three completions) delivered and acknowledged: none is remembered any more.
            await world.UntilAsync(s => s.Single(x => x.Identifier == "tests.acks").PendingEvents == 0 && session.Background!.UnacknowledgedCount == 0,
                "every acknowledgement to be recorded");
            session.InvalidateAndCancel();
        }
        finally
        {
            foreach (var name in world.Environment.Keys)
                Environment.SetEnvironmentVariable(name, null);
        }
    }

    private sealed class CountingDelegate(int expected) : IUrlSessionDelegate
    {
        private int _completed;

        public UrlSessionCallbacks Callbacks => UrlSessionCallbacks.DidFinishDownloading | UrlSessionCallbacks.DidCompleteWithError;

        public TaskCompletionSource AllCompleted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Finished { get; private set; }

        public ValueTask DidFinishDownloading(UrlSession session, UrlSessionDownloadTask task, string location)
        {
            Finished++;
            return default;
        }

        public ValueTask DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error)
        {
            if (Interlocked.Increment(ref _completed) == expected)
                AllCompleted.TrySetResult();
            return default;
        }
    }

    [Fact]
    public async Task Apple_rules_for_background_sessions_are_enforced_at_the_call()
    {
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        foreach (var (name, value) in world.Environment)
            Environment.SetEnvironmentVariable(name, value);
        try
        {
            var configuration = UrlSessionConfiguration.Background("tests.rules");
            var session = new UrlSession(configuration, new SilentDelegate());
            var twice = Assert.Throws<InvalidOperationException>(() => new UrlSession(configuration, new SilentDelegate()));
            Assert.Contains("tests.rules", twice.Message, StringComparison.Ordinal);
            var url = new Uri("http://127.0.0.1:9/file");
#pragma warning disable US1002, US1003 // the analyzers catch these at compile time; this proves the run-time guard behind them
            Assert.Contains("download and file-upload", Assert.Throws<InvalidOperationException>(() => session.DataTask(url)).Message, StringComparison.Ordinal);
            Assert.Contains("completion handlers", Assert.Throws<InvalidOperationException>(() => session.DownloadTask(url, (_, _, _) => { })).Message, StringComparison.Ordinal);
            Assert.Contains("async", (await Assert.ThrowsAsync<InvalidOperationException>(() => session.DownloadAsync(url, Ct))).Message, StringComparison.Ordinal);
#pragma warning restore US1002, US1003
            Assert.Contains("http and https", Assert.Throws<ArgumentException>(() => session.DownloadTask(new Uri("ftp://127.0.0.1/file"))).Message, StringComparison.Ordinal);
            Assert.Contains("from a file only", Assert.Throws<InvalidOperationException>(() => session.UploadTask(new UrlRequest(url) { HttpMethod = "PUT" }, "data"u8.ToArray())).Message, StringComparison.Ordinal);
            Assert.Equal(UrlErrorCode.FileDoesNotExist, Assert.Throws<UrlError>(() => session.UploadTask(new UrlRequest(url) { HttpMethod = "PUT" }, "/no/such/file")).Code);
            session.InvalidateAndCancel();
            await world.UntilAsync(s => s.All(x => !x.Connected), "the session to detach");
            // Invalidated, the identifier is free again in this process.
            var again = new UrlSession(configuration, new SilentDelegate());
            again.InvalidateAndCancel();
        }
        finally
        {
            foreach (var name in world.Environment.Keys)
                Environment.SetEnvironmentVariable(name, null);
        }
    }

    private sealed class SilentDelegate : IUrlSessionDelegate
    {
        public UrlSessionCallbacks Callbacks => UrlSessionCallbacks.None;
    }
}

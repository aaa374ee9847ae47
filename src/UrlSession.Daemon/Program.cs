using System.Globalization;
using System.Net.Sockets;
using UrlLoading.Background;
using UrlLoading.Daemon;

// urlsessiond: the background transfer daemon of UrlSession for .NET, and its command line.
return args switch
{
    ["run", .. var rest] => await DaemonHost.RunAsync(console: !rest.Contains("--background")),
    ["status"] => await CallAsync(async rpc =>
    {
        var s = await rpc.InvokeAsync(BackgroundProtocol.Status, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.StatusResult);
        Console.WriteLine($"urlsessiond {s.Version} (protocol {s.Protocol}), pid {s.Pid}, up {HumanUnits.Duration(s.UptimeSeconds)}");
        Console.WriteLine($"socket {s.Socket}; state {s.StateFolder}");
        Console.WriteLine(StatusLine(s));
        Console.WriteLine($"database {HumanUnits.Size(s.DatabaseBytes)} "
            + $"({HumanUnits.Count(s.CommittedWrites)} write(s) in {HumanUnits.Count(s.Commits)} commit(s)); peak memory {HumanUnits.Size(s.PeakMemoryBytes)}");
    }),
    ["list"] => await CallAsync(async rpc =>
    {
        var list = await rpc.InvokeAsync(BackgroundProtocol.List, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.ListResult);
        if (list.Sessions.Count == 0)
            Console.WriteLine("no background sessions");
        foreach (var session in list.Sessions)
        {
            Console.WriteLine($"{session.App} {session.Identifier} ({(session.Connected ? "open" : "closed")}, {session.Tasks.Count} task(s), "
                + $"{session.PendingEvents} undelivered event(s))");
            // The URL and the last error may carry a password or a token: shown redacted, like every log line.
            foreach (var task in session.Tasks)
                Console.WriteLine(CredentialRedaction.Redact($"  {TaskLine(task)}"));
        }
    }),
    ["stop"] => await CallWhileReadingAsync(StopAsync),
    ["cancel", var app, var identifier, var task] when int.TryParse(task, NumberStyles.None, CultureInfo.InvariantCulture, out int id) => await CallAsync(async rpc =>
    {
        await rpc.InvokeAsync(BackgroundProtocol.Hello, new HelloParams(BackgroundProtocol.Version, app, Environment.ProcessId), ProtocolJson.Default.HelloParams, ProtocolJson.Default.HelloResult);
        await rpc.InvokeAsync(BackgroundProtocol.Cancel, new TaskParams(identifier, id), ProtocolJson.Default.TaskParams, ProtocolJson.Default.Empty);
        Console.WriteLine($"cancelled {app} {identifier} #{id}");
    }),
    ["logs"] => await CallAsync(async rpc =>
    {
        var logs = await rpc.InvokeAsync(BackgroundProtocol.Logs, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.LogsResult);
        foreach (var line in logs.Lines)
            Console.WriteLine(CredentialRedaction.Redact(line));
    }),
    ["--version"] => Print($"urlsessiond {DaemonHost.Version} (protocol {BackgroundProtocol.Version})", 0),
    _ => Print("""
        usage: urlsessiond run [--background]     run the daemon for this user (foreground logs to the console)
               urlsessiond status                 the running daemon: pid, version, queue, throughput, database
               urlsessiond list                   this user's background sessions and their tasks, with rate and ETA
               urlsessiond stop                   stop the daemon, every running transfer checkpointed first
               urlsessiond cancel APP ID TASK     cancel task TASK of session ID of app APP
               urlsessiond logs                   the daemon's recent log lines
        Environment: URLSESSIOND_RUNTIME_DIR (socket folder), URLSESSIOND_STATE_DIR (database, files, log).
        """, args is ["help" or "--help" or "-h"] ? 0 : 2),
};

// "queue 9,996 waiting, 4 transferring, 120 undelivered event(s); 12.3 MiB/s, 85 task(s)/s lately, 1,234 completed"
static string StatusLine(StatusResult s) =>
    $"{s.Sessions} session(s); queue {HumanUnits.Count(s.WaitingTasks)} waiting, {HumanUnits.Count(s.ActiveTransfers)} transferring, "
    + $"{HumanUnits.Count(s.PendingEvents)} undelivered event(s); {HumanUnits.Rate(s.BytesPerSecond)}, "
    + $"{s.CompletionsPerSecond.ToString("0.#", CultureInfo.InvariantCulture)} task(s)/s lately, {HumanUnits.Count(s.CompletedTasks)} completed";

// "#12 running 3.25 MiB of 512 MiB (0.6%) at 45.1 MiB/s, ETA 11 s https://... "description" retries 1: ..."
static string TaskLine(TaskInfo task)
{
    long done = task.Rate?.BytesMoved ?? (task.Kind == "upload" ? task.BytesSent : task.BytesReceived);
    string progress = task.BytesExpected > 0
        ? $"{HumanUnits.Size(done)} of {HumanUnits.Size(task.BytesExpected)} ({100.0 * done / task.BytesExpected:0.0}%)"
        : HumanUnits.Size(done);
    string rate = task.Rate is { BytesPerSecond: > 0 } r
        ? $" at {HumanUnits.Rate(r.BytesPerSecond)}{(task.BytesExpected > done ? $", ETA {HumanUnits.Duration((task.BytesExpected - done) / r.BytesPerSecond)}" : "")}"
        : "";
    return $"#{task.TaskIdentifier} {task.State} {progress}{rate} {task.Request.Url}{(task.Description is { } d ? $" \"{d}\"" : "")}"
        + (task.Attempts > 0 ? $" retries {task.Attempts}: {task.LastError}" : "");
}

// Asks the daemon to stop and waits (bounded) until it has: its connection closes when the process ends, after every
// running transfer checkpointed and the database closed.
static async Task StopAsync(RpcConnection rpc, Task reading)
{
    var status = await rpc.InvokeAsync(BackgroundProtocol.Status, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.StatusResult);
    try
    {
        await rpc.InvokeAsync(BackgroundProtocol.Stop, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.Empty);
    }
    catch (IOException)
    {
        // It closed the connection while answering: stopping all the same.
    }
    try
    {
        await reading.WaitAsync(TimeSpan.FromSeconds(30));
    }
    catch (TimeoutException)
    {
        throw new RpcException(0, $"urlsessiond (pid {status.Pid}) did not stop within 30 s; see 'urlsessiond logs'.");
    }
    Console.WriteLine($"urlsessiond (pid {status.Pid}) stopped; {HumanUnits.Count(status.ActiveTransfers)} transfer(s) checkpointed");
}

static int Print(string text, int code)
{
    (code == 0 ? Console.Out : Console.Error).WriteLine(text);
    return code;
}

static Task<int> CallAsync(Func<RpcConnection, Task> call) => CallWhileReadingAsync((rpc, _) => call(rpc));

static async Task<int> CallWhileReadingAsync(Func<RpcConnection, Task, Task> call)
{
    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    try
    {
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(BackgroundPaths.SocketPath));
    }
    catch (SocketException e)
    {
        socket.Dispose();
        await Console.Error.WriteLineAsync($"urlsessiond is not running ({BackgroundPaths.SocketPath}: {e.Message}); start it with 'urlsessiond run'.");
        return 1;
    }
    await using var rpc = new RpcConnection(new NetworkStream(socket, ownsSocket: true), null, null);
    var reading = rpc.RunAsync();
    try
    {
        await call(rpc, reading);
        return 0;
    }
    catch (RpcException e)
    {
        await Console.Error.WriteLineAsync($"urlsessiond refused: {e.Message}");
        return 1;
    }
}

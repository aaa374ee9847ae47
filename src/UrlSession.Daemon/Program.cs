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
        Console.WriteLine($"urlsessiond {s.Version} (protocol {s.Protocol}), pid {s.Pid}, up {TimeSpan.FromSeconds(Math.Round(s.UptimeSeconds))}");
        Console.WriteLine($"socket {s.Socket}; state {s.StateFolder}");
        Console.WriteLine($"{s.Sessions} session(s), {s.ActiveTransfers} active transfer(s)");
    }),
    ["list"] => await CallAsync(async rpc =>
    {
        var list = await rpc.InvokeAsync(BackgroundProtocol.List, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.ListResult);
        if (list.Sessions.Count == 0)
            Console.WriteLine("no background sessions");
        foreach (var session in list.Sessions)
        {
            Console.WriteLine($"{session.App} {session.Identifier} ({(session.Connected ? "open" : "closed")}, {session.PendingEvents} undelivered event(s))");
            foreach (var task in session.Tasks)
            {
                string progress = task.BytesExpected > 0
                    ? $"{task.BytesReceived}/{task.BytesExpected} bytes ({100.0 * task.BytesReceived / task.BytesExpected:0.0}%)"
                    : $"{task.BytesReceived} bytes";
                // The URL and the last error may carry a password or a token: shown redacted, like every log line.
                Console.WriteLine(CredentialRedaction.Redact($"  #{task.TaskIdentifier} {task.State} {progress} {task.Request.Url}{(task.Description is { } d ? $" \"{d}\"" : "")}{(task.Attempts > 0 ? $" retries {task.Attempts}: {task.LastError}" : "")}"));
            }
        }
    }),
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
               urlsessiond status                 the running daemon: pid, version, sessions, transfers
               urlsessiond list                   this user's background sessions and their tasks
               urlsessiond cancel APP ID TASK     cancel task TASK of session ID of app APP
               urlsessiond logs                   the daemon's recent log lines
        Environment: URLSESSIOND_RUNTIME_DIR (socket folder), URLSESSIOND_STATE_DIR (database, files, log).
        """, args is ["help" or "--help" or "-h"] ? 0 : 2),
};

static int Print(string text, int code)
{
    (code == 0 ? Console.Out : Console.Error).WriteLine(text);
    return code;
}

static async Task<int> CallAsync(Func<RpcConnection, Task> call)
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
        await call(rpc);
        return 0;
    }
    catch (RpcException e)
    {
        await Console.Error.WriteLineAsync($"urlsessiond refused: {e.Message}");
        return 1;
    }
}

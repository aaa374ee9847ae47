using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using UrlLoading.Security;
using UrlLoading.Background;

// The daemon serves Unix domain sockets with Unix file modes and peer credentials: Linux and macOS.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace UrlLoading.Daemon;

/// <summary>
/// The daemon: listens on a Unix domain socket (mode 0600, in a 0700 folder, peer uid checked on every
/// connection), keeps state in SQLite, runs transfers, and delivers each session's events to the one process that
/// has it open, replaying what that process missed.
/// </summary>
internal sealed class DaemonHost : IAsyncDisposable
{
    private readonly DaemonLog _log;
    private readonly StateStore _store;
    private readonly TransferService _transfers;
    private readonly Socket _listener;
    private readonly string _socketPath;
    private readonly string _stateFolder;
    private readonly ConcurrentDictionary<SessionKey, ClientConnection> _attached = new();
    private readonly ConcurrentDictionary<SessionKey, bool> _launched = new();
    private readonly Stopwatch _uptime = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();

    private DaemonHost(DaemonLog log, StateStore store, Socket listener, string socketPath, string stateFolder)
    {
        _log = log;
        _store = store;
        _listener = listener;
        _socketPath = socketPath;
        _stateFolder = stateFolder;
        _transfers = new TransferService(store, log, stateFolder, PublishAsync, AskAppAsync);
    }

    public static async Task<int> RunAsync(bool console)
    {
        string runtimeFolder = BackgroundPaths.RuntimeFolder, stateFolder = BackgroundPaths.StateFolder;
        // Both folders are this daemon's own: created 0700 without following a symlink, tightened when they are this
        // user's, refused when another user made them first.
        try
        {
            PrivateFolder.Ensure(runtimeFolder, BackgroundPaths.RuntimeFolderSetting);
            PrivateFolder.Ensure(stateFolder, BackgroundPaths.StateFolderSetting);
        }
        catch (UnauthorizedAccessException e)
        {
            await Console.Error.WriteLineAsync($"urlsessiond: {e.Message}");
            return 5;
        }
        string socketPath = BackgroundPaths.SocketPath;
        // One daemon per user: an exclusive lock (flock) held for the daemon's life decides, so two daemons started at
        // once (say, by two apps) cannot both listen. The kernel drops the lock when the holder dies, however it dies.
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(runtimeFolder, "urlsessiond.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            await Console.Error.WriteLineAsync($"urlsessiond is already running for this user (socket {socketPath}).");
            return 3;
        }
        using var holdLock = lockFile;
        // Holding the lock, any socket file is a dead daemon's.
        File.Delete(socketPath);
        var log = new DaemonLog(Path.Combine(stateFolder, "urlsessiond.log"), console);
        var store = new StateStore(Path.Combine(stateFolder, "state.db"));
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        File.SetUnixFileMode(socketPath, SocketMode());
        // The host (and with it the private partial/ and finished/ folders) is ready before anyone can connect.
        await using var host = new DaemonHost(log, store, listener, socketPath, stateFolder);
        listener.Listen(64);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, host.OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, host.OnSignal);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true);
        log.Write($"urlsessiond {Version} (protocol {BackgroundProtocol.Version}) pid {Environment.ProcessId} listening on {socketPath}, state in {stateFolder}");
        host.ResumeTransfers();
        _ = host.WatchSocketAsync();
        await host.AcceptAsync();
        log.Write("urlsessiond stopping");
        return 0;
    }

    /// <summary>0600, unless URLSESSIOND_TEST_SOCKET_MODE (octal) opens it wider so that tests can prove the peer check.</summary>
    private static UnixFileMode SocketMode() =>
        Environment.GetEnvironmentVariable("URLSESSIOND_TEST_SOCKET_MODE") is { Length: > 0 } octal
            ? (UnixFileMode)Convert.ToInt32(octal, 8)
            : UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static string Version => typeof(DaemonHost).Assembly.GetName().Version?.ToString(3) ?? "0";

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        File.Delete(_socketPath);
        await _transfers.DisposeAsync();
        foreach (var client in _attached.Values.Distinct())
            await client.DisposeAsync();
        await _store.DisposeAsync();
        _log.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }

    private void ResumeTransfers()
    {
        _transfers.SweepFinishedFolder();
        foreach (var row in _store.Tasks())
        {
            if (row.Info.State is "running" or "finished")
            {
                _log.Write($"resuming task {row.Session}#{row.Info.TaskIdentifier} from {row.Info.BytesReceived} bytes");
                _transfers.Start(row);
            }
        }
        foreach (var (key, settings) in _store.Sessions())
        {
            if (_store.PendingCount(key) > 0)
                MaybeLaunch(key, settings);
        }
    }

    /// <summary>A daemon whose socket was deleted can never be reached again: it stops instead of running on unseen.</summary>
    private async Task WatchSocketAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (!File.Exists(_socketPath))
                {
                    _log.Write($"the socket {_socketPath} was removed; stopping");
                    await _stop.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping anyway.
        }
    }

    private async Task AcceptAsync()
    {
        uint self = PeerCredentials.EffectiveUserId;
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var peer = PeerCredentials.Of(socket);
            if (peer is { } p && p.Uid != self)
            {
                _log.Write($"refused a connection from uid {p.Uid} (pid {p.Pid}): this daemon serves uid {self} only");
                socket.Dispose();
                continue;
            }
            var client = new ClientConnection(this, socket, peer?.Pid ?? 0);
            _ = client.RunAsync();
        }
    }

    /// <summary>Wakes the sender of the connection that has the session open (never waits for it), or launches the app.</summary>
    private Task PublishAsync(SessionKey key, EventMessage message)
    {
        if (_attached.TryGetValue(key, out var client))
            client.Publish(key, message);
        else if (message.Sequence > 0 && _store.Settings(key) is { } settings)
            MaybeLaunch(key, settings);
        return Task.CompletedTask;
    }

    private StatusResult Status()
    {
        var sessions = _store.Sessions();
        int pending = 0;
        foreach (var (key, _) in sessions)
            pending += _store.PendingCount(key);
        var (waiting, transferring) = _transfers.Queue;
        var (groups, writes) = _store.Committed;
        return new StatusResult(Environment.ProcessId, Version, BackgroundProtocol.Version, _uptime.Elapsed.TotalSeconds,
            sessions.Count, transferring, _stateFolder, _socketPath, waiting, pending,
            _transfers.Bytes.PerSecond, _transfers.Completions.PerSecond, _transfers.Completions.Total,
            groups, writes, _store.SizeOnDisk, PeakMemory());
    }

    /// <summary>This process's peak resident memory (VmHWM in /proc/self/status), 0 where /proc has no such line.</summary>
    private static long PeakMemory()
    {
        const string prefix = "VmHWM:";
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                var value = line.AsSpan().Trim();
                if (value.StartsWith(prefix, StringComparison.Ordinal)
                    && long.TryParse(value[prefix.Length..].TrimEnd("kB").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long kilobytes))
                    return kilobytes * 1024;
            }
        }
        catch (IOException)
        {
            // No /proc (macOS): not reported.
        }
        return 0;
    }

    /// <summary>Puts a challenge to the process that has the session open; null when none does, or it gives no answer.</summary>
    private Task<ChallengeAnswer?> AskAppAsync(SessionKey key, ChallengeParams challenge) =>
        _attached.TryGetValue(key, out var client) ? client.AskAsync(challenge) : Task.FromResult<ChallengeAnswer?>(null);

    /// <summary>Runs the session's launch command once while events wait and no process has the session open.</summary>
    private void MaybeLaunch(SessionKey key, SessionSettings settings)
    {
        if (!settings.SendsLaunchEvents || settings.LaunchCommand is not { Length: > 0 } command || _attached.ContainsKey(key) || !_launched.TryAdd(key, true))
            return;
        try
        {
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, ArgumentList = { "-c", command }, RedirectStandardInput = true };
            start.Environment[UrlSessionBackgroundLaunch.IdentifierVariable] = key.Identifier;
            start.Environment["URLSESSION_APP_ID"] = key.App;
            using var process = Process.Start(start);
            process?.StandardInput.Close();
            _log.Write($"launched '{command}' (pid {process?.Id}) for events waiting in {key}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            _log.Write($"could not launch '{command}' for {key}: {e.Message}");
        }
    }

    /// <summary>One connected process: its app identity, the sessions it has open, and what it has been sent.</summary>
    private sealed class ClientConnection : IAsyncDisposable
    {
        private readonly DaemonHost _host;
        private readonly RpcConnection _rpc;
        private readonly int _pid;
        private readonly ConcurrentDictionary<SessionKey, SessionDelivery> _sessions = new();
        private string? _app;

        public ClientConnection(DaemonHost host, Socket socket, int pid)
        {
            _host = host;
            _pid = pid;
            _rpc = new RpcConnection(new NetworkStream(socket, ownsSocket: true), HandleAsync, onNotification: null);
        }

        public async Task RunAsync()
        {
            await _rpc.RunAsync();
            if (_rpc.ProtocolError is { } why)
                _host._log.Write($"closed the connection of pid {_pid}: it sent {why}");
            foreach (var (key, delivery) in _sessions)
            {
                _host._attached.TryRemove(new KeyValuePair<SessionKey, ClientConnection>(key, this));
                delivery.Complete();
                _host._log.Write($"session {key} detached (pid {_pid})");
            }
            await _rpc.DisposeAsync();
        }

        public ValueTask DisposeAsync() => _rpc.DisposeAsync();

        /// <summary>
        /// Asks this process's delegate to answer a challenge. A transfer waits at most a minute (the app may be busy
        /// or stuck), then goes on with default handling; an app too old to know the request says so, with the same result.
        /// </summary>
        public async Task<ChallengeAnswer?> AskAsync(ChallengeParams challenge)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                return await _rpc.InvokeAsync(BackgroundProtocol.Challenge, challenge, ProtocolJson.Default.ChallengeParams, ProtocolJson.Default.ChallengeAnswer, patience.Token);
            }
            catch (Exception e) when (e is IOException or RpcException or OperationCanceledException or ObjectDisposedException or System.Text.Json.JsonException)
            {
                _host._log.Write($"pid {_pid} gave no answer to a challenge for {challenge.Identifier}#{challenge.TaskIdentifier}: {e.Message}");
                return null;
            }
        }

        /// <summary>Wakes the session's sender; it sends from the journal, in sequence order, once the replay started.</summary>
        public void Publish(SessionKey key, EventMessage message)
        {
            if (_sessions.TryGetValue(key, out var delivery))
                delivery.Publish(message);
        }

        private async ValueTask<string?> HandleAsync(string method, JsonElement parameters)
        {
            switch (method)
            {
                case BackgroundProtocol.Hello:
                {
                    var hello = Read(parameters, ProtocolJson.Default.HelloParams);
                    if (hello.Protocol != BackgroundProtocol.Version)
                        throw new RpcException(BackgroundProtocol.VersionMismatch, $"urlsessiond {Version} speaks protocol {BackgroundProtocol.Version}, not {hello.Protocol}.");
                    _app = CheckName(hello.App, "app");
                    return JsonSerializer.Serialize(new HelloResult(BackgroundProtocol.Version, Version, Environment.ProcessId), ProtocolJson.Default.HelloResult);
                }
                case BackgroundProtocol.Attach:
                {
                    var attach = Read(parameters, ProtocolJson.Default.AttachParams);
                    var key = new SessionKey(App, CheckName(attach.Identifier, "identifier"));
                    var settings = attach.Settings;
                    if (settings.ResourceTimeoutSeconds <= 0 || settings.RequestTimeoutSeconds <= 0 || settings.MaximumConnectionsPerHost <= 0)
                        throw new RpcException(BackgroundProtocol.InvalidRequest, "Timeouts and the connection limit must be positive.");
                    if (!_host._attached.TryAdd(key, this))
                    {
                        if (_host._attached.TryGetValue(key, out var owner) && owner == this)
                            throw new RpcException(BackgroundProtocol.SessionInUse, $"This process already has the background session '{key.Identifier}' open.");
                        throw new RpcException(BackgroundProtocol.SessionInUse, $"The background session '{key.Identifier}' is open in another process (pid {_host._attached.GetValueOrDefault(key)?._pid}); one process at a time may use it.");
                    }
                    var delivery = new SessionDelivery(key, _host._store, _rpc);
                    _sessions[key] = delivery;
                    _ = delivery.RunAsync();
                    _host._launched.TryRemove(key, out _);
                    await _host._store.SaveSessionAsync(key, settings);
                    _host._log.Write($"session {key} attached (pid {_pid})");
                    var tasks = _host._store.Tasks(key).Select(t => t.Info).ToList();
                    return JsonSerializer.Serialize(new AttachResult(tasks), ProtocolJson.Default.AttachResult);
                }
                case BackgroundProtocol.CreateTask:
                {
                    var create = Read(parameters, ProtocolJson.Default.CreateTaskParams);
                    var key = Attached(create.Identifier);
                    var info = create.Task;
                    if (info.TaskIdentifier <= 0 || info.Kind is not ("download" or "upload"))
                        throw new RpcException(BackgroundProtocol.InvalidRequest, "Tasks need a positive identifier and the kind 'download' or 'upload'.");
                    if (info.Kind == "upload" && (info.UploadFile is not { } file || !Path.IsPathFullyQualified(file) || !File.Exists(file)))
                        throw new RpcException(BackgroundProtocol.InvalidRequest, $"An upload needs the absolute path of an existing file, not '{info.UploadFile}'.");
                    if (!Uri.TryCreate(info.Request.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                        throw new RpcException(BackgroundProtocol.InvalidRequest, $"Background tasks load http and https URLs only, not '{info.Request.Url}'.");
                    byte[]? resume = create.ResumeData is { } text ? Convert.FromBase64String(text) : null;
                    var row = await _host._store.AddTaskAsync(key, info with { State = "running" }, resume)
                        ?? throw new RpcException(BackgroundProtocol.InvalidRequest, $"Session {key.Identifier} already has a task {info.TaskIdentifier}.");
                    _host._log.Write($"task {key}#{info.TaskIdentifier} created: {info.Kind} {info.Request.Method} {url}{(info.UploadFile is { } f ? $" from {f}" : "")}");
                    _host._transfers.Start(row);
                    return "{}";
                }
                case BackgroundProtocol.Cancel:
                {
                    var cancel = Read(parameters, ProtocolJson.Default.TaskParams);
                    // Any process of the app may cancel (the CLI among them) without attaching: the session may be
                    // open in the app at the same time, which then receives the cancellation as its completion.
                    var key = new SessionKey(App, cancel.Identifier ?? "");
                    if (_host._store.Settings(key) is null)
                        throw new RpcException(BackgroundProtocol.UnknownSession, $"No background session '{cancel.Identifier}' for app '{App}'.");
                    if (_host._transfers.Cancel(key, cancel.TaskIdentifier, cancel.ProduceResumeData))
                        _host._log.Write($"task {key}#{cancel.TaskIdentifier} cancelled by pid {_pid}{(cancel.ProduceResumeData ? ", keeping its bytes for resume data" : "")}");
                    return "{}";
                }
                case BackgroundProtocol.Replay:
                {
                    var replay = Read(parameters, ProtocolJson.Default.SessionParams);
                    int count = await _sessions[Attached(replay.Identifier)].ReplayAsync();
                    return JsonSerializer.Serialize(new ReplayResult(count), ProtocolJson.Default.ReplayResult);
                }
                case BackgroundProtocol.Ack:
                {
                    var ack = Read(parameters, ProtocolJson.Default.AckParams);
                    var key = Attached(ack.Identifier);
                    if (await _host._store.AcknowledgeAsync(key, ack.Sequence) is { Kind: EventKinds.Finished, Location: { } location } && File.Exists(location))
                        File.Delete(location);
                    return "{}";
                }
                case BackgroundProtocol.List:
                {
                    var sessions = _host._store.Sessions().Select(s => new SessionInfo(s.Key.App, s.Key.Identifier,
                        _host._attached.ContainsKey(s.Key),
                        _host._store.Tasks(s.Key).Select(t => t.Info with { Rate = _host._transfers.RateOf(s.Key, t.Info.TaskIdentifier) }).ToList(),
                        _host._store.PendingCount(s.Key))).ToList();
                    return JsonSerializer.Serialize(new ListResult(sessions), ProtocolJson.Default.ListResult);
                }
                case BackgroundProtocol.Status:
                    return JsonSerializer.Serialize(_host.Status(), ProtocolJson.Default.StatusResult);
                case BackgroundProtocol.Stop:
                    _host._log.Write($"stop asked by pid {_pid}");
                    await _host._stop.CancelAsync();
                    return "{}";
                case BackgroundProtocol.Logs:
                    return JsonSerializer.Serialize(new LogsResult(_host._log.Recent(200)), ProtocolJson.Default.LogsResult);
                default:
                    throw new RpcException(-32601, $"urlsessiond has no method '{method}'.");
            }
        }

        private string App => _app ?? throw new RpcException(BackgroundProtocol.InvalidRequest, "Say hello first.");

        private SessionKey Attached(string identifier)
        {
            var key = new SessionKey(App, identifier ?? "");
            return _sessions.ContainsKey(key) ? key : throw new RpcException(BackgroundProtocol.UnknownSession, $"Attach the session '{identifier}' first.");
        }

        private static T Read<T>(JsonElement parameters, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
            parameters.ValueKind == JsonValueKind.Object && parameters.Deserialize(info) is { } value
                ? value
                : throw new RpcException(-32602, $"Expected {typeof(T).Name} parameters.");

        private static string CheckName(string? name, string what) =>
            name is { Length: > 0 and <= 256 } && !name.Any(char.IsControl) ? name
                : throw new RpcException(BackgroundProtocol.InvalidRequest, $"The {what} must be 1 to 256 characters without control characters.");
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using UrlLoading.Security;

namespace UrlLoading.Background;

/// <summary>
/// A background session's line to urlsessiond: attaches the session, re-creates the tasks the daemon still holds,
/// forwards new tasks and cancellations, and delivers the daemon's events to the delegate one at a time, in order,
/// acknowledging each only after its callback returned, so that each is delivered exactly once.
/// </summary>
internal sealed class BackgroundLink : IAsyncDisposable
{
    private static readonly TimeSpan s_attachTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_longestReconnectDelay = TimeSpan.FromSeconds(5);
    /// <summary>How long a normal exit or a detach waits for the deliveries and acknowledgements under way.</summary>
    private static readonly TimeSpan s_deliveriesUnderWayTimeout = TimeSpan.FromSeconds(2);

    private readonly UrlSession _session;
    private readonly string _identifier;
    private readonly Channel<EventMessage> _events = Channel.CreateUnbounded<EventMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, UrlSessionTask> _tasks = [];
    private readonly HashSet<Task> _registrations = [];
    /// <summary>Events this process delivered whose acknowledgement has not reached the daemon yet (kept to re-ack, not re-deliver, after a reconnect).</summary>
    private readonly HashSet<long> _delivered = [];
    /// <summary>Tasks whose handed-over file failed the ownership checks: their completion reports why.</summary>
    private readonly Dictionary<int, string> _refusedHandOvers = [];
    /// <summary>Deliveries handed to the delegate and acknowledgements on their way: a normal exit waits for them (briefly).</summary>
    private readonly HashSet<Task> _inFlight = [];
    /// <summary>Set (under the <see cref="_inFlight"/> lock) when the process exits or the link detaches: no new delivery starts.</summary>
    private bool _closing;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Task _pump;
    private RpcConnection _rpc;
    private Task _reader;
    private Task _maintainer = Task.CompletedTask;

    private BackgroundLink(UrlSession session, string identifier, RpcConnection rpc)
    {
        _session = session;
        _identifier = identifier;
        _rpc = rpc;
        _reader = rpc.RunAsync();
        _pump = Task.Run(PumpAsync);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>
    /// An app that returns from Main right after its last callback would otherwise exit before that event's
    /// acknowledgement leaves, and receive the event again on its next launch. A normal exit waits up to two seconds
    /// for deliveries and acknowledgements under way; a crash or a kill still redelivers, as documented.
    /// </summary>
    private void OnProcessExit(object? sender, EventArgs e)
    {
        try
        {
            Task.WaitAll(StopDelivering(), s_deliveriesUnderWayTimeout);
        }
        catch (AggregateException)
        {
            // Failed acknowledgements are replayed on the next attach.
        }
    }

    /// <summary>
    /// Starts no further delivery (the events not yet delivered stay in the daemon's journal for the next attach,
    /// so none is delivered here and again there) and returns the deliveries and acknowledgements under way.
    /// </summary>
    private Task[] StopDelivering()
    {
        lock (_inFlight)
        {
            _closing = true;
            return [.. _inFlight];
        }
    }

    /// <summary>Registers the delivery the pump starts; null once the link is closing.</summary>
    private TaskCompletionSource? BeginDelivery()
    {
        lock (_inFlight)
        {
            if (_closing)
                return null;
            var delivery = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _inFlight.Add(delivery.Task);
            return delivery;
        }
    }

    private void EndDelivery(TaskCompletionSource delivery)
    {
        lock (_inFlight)
            _inFlight.Remove(delivery.Task);
        delivery.TrySetResult();
    }

    private Task Track(Task work)
    {
        lock (_inFlight)
            _inFlight.Add(work);
        work.ContinueWith(static (done, state) =>
        {
            var inFlight = (HashSet<Task>)state!;
            lock (inFlight)
                inFlight.Remove(done);
        }, _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return work;
    }

    /// <summary>Connects (starting the daemon when needed) and attaches; returns the tasks the daemon holds for this session.</summary>
    public static (BackgroundLink Link, List<TaskInfo> Tasks) Attach(UrlSession session, string identifier)
    {
        using var timeout = new CancellationTokenSource(s_attachTimeout);
        return Task.Run(() => AttachAsync(session, identifier, timeout.Token)).GetAwaiter().GetResult();
    }

    private static async Task<(BackgroundLink, List<TaskInfo>)> AttachAsync(UrlSession session, string identifier, CancellationToken cancellationToken)
    {
        BackgroundLink? link = null;
        try
        {
            var stream = await DaemonConnector.ConnectAsync(cancellationToken).ConfigureAwait(false);
            // The handshake sends no notifications, so the callback never runs before the link exists.
            var rpc = new RpcConnection(stream, onRequest: (method, parameters) => link!.OnRequestAsync(method, parameters),
                onNotification: (method, parameters) => link!.OnNotificationAsync(method, parameters));
            link = new BackgroundLink(session, identifier, rpc);
            var tasks = await link.HandshakeAsync(rpc, cancellationToken).ConfigureAwait(false);
            link._maintainer = Task.Run(link.MaintainAsync);
            return (link, tasks);
        }
        catch (RpcException e) when (e.Code == BackgroundProtocol.SessionInUse)
        {
            if (link is not null)
                await link.DisposeAsync().ConfigureAwait(false);
            throw new UrlError(UrlErrorCode.BackgroundSessionInUseByAnotherProcess, null, e.Message);
        }
        catch (Exception e) when (e is RpcException or IOException)
        {
            if (link is not null)
                await link.DisposeAsync().ConfigureAwait(false);
            throw new UrlError(UrlErrorCode.BackgroundSessionWasDisconnected, null, $"urlsessiond refused the session '{identifier}': {e.Message}", e);
        }
    }

    /// <summary>hello, then attach: the daemon's tasks for this session.</summary>
    private async Task<List<TaskInfo>> HandshakeAsync(RpcConnection rpc, CancellationToken cancellationToken)
    {
        var hello = await rpc.InvokeAsync(BackgroundProtocol.Hello, new HelloParams(BackgroundProtocol.Version, BackgroundPaths.AppIdentity, Environment.ProcessId),
            ProtocolJson.Default.HelloParams, ProtocolJson.Default.HelloResult, cancellationToken).ConfigureAwait(false);
        if (hello.Protocol != BackgroundProtocol.Version)
            throw new UrlError(UrlErrorCode.BackgroundSessionWasDisconnected, null, $"urlsessiond speaks protocol {hello.Protocol}, this runtime {BackgroundProtocol.Version}; update the daemon and the UrlSession package together.");
        var configuration = _session.ConfigurationSnapshot;
        var settings = new SessionSettings(configuration.TimeoutIntervalForRequest.TotalSeconds, configuration.TimeoutIntervalForResource.TotalSeconds,
            configuration.IsDiscretionary, configuration.SessionSendsLaunchEvents, configuration.BackgroundLaunchCommand, configuration.HttpMaximumConnectionsPerHost);
        var attached = await rpc.InvokeAsync(BackgroundProtocol.Attach, new AttachParams(_identifier, settings),
            ProtocolJson.Default.AttachParams, ProtocolJson.Default.AttachResult, cancellationToken).ConfigureAwait(false);
        return attached.Tasks;
    }

    /// <summary>
    /// When the daemon goes away (crash, restart, upgrade) while the session is open, connects again (starting it
    /// when needed), attaches, and asks for the replay; events already delivered in this process are acknowledged
    /// again instead of being delivered twice.
    /// </summary>
    private async Task MaintainAsync()
    {
        var token = _disposed.Token;
        while (!token.IsCancellationRequested)
        {
            await _reader.ConfigureAwait(false);
            var delay = TimeSpan.FromMilliseconds(100);
            while (!token.IsCancellationRequested)
            {
                RpcConnection? rpc = null;
                try
                {
                    var stream = await DaemonConnector.ConnectAsync(token).ConfigureAwait(false);
                    rpc = new RpcConnection(stream, OnRequestAsync, OnNotificationAsync);
                    var reader = rpc.RunAsync();
                    await HandshakeAsync(rpc, token).ConfigureAwait(false);
                    (_rpc, _reader) = (rpc, reader);
                    await RequestReplayAsync(token).ConfigureAwait(false);
                    break;
                }
                catch (Exception e) when (e is IOException or RpcException or UrlError or System.Net.Sockets.SocketException)
                {
                    if (rpc is not null)
                        await rpc.DisposeAsync().ConfigureAwait(false);
                    await Task.Delay(delay, token).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_longestReconnectDelay.Ticks));
                }
                catch (OperationCanceledException)
                {
                    // Disposed while reconnecting: a connection half made goes too (DisposeAsync closes the one it finds).
                    if (rpc is not null && rpc != _rpc)
                        await rpc.DisposeAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    /// <summary>Registers a task object (new or re-created) so its events find it.</summary>
    public void Track(UrlSessionTask task)
    {
        lock (_tasks)
            _tasks[task.TaskIdentifier] = task;
    }

    /// <summary>Asks the daemon to deliver what this session missed; the events then arrive through the pump.</summary>
    public async Task RequestReplayAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _rpc.InvokeAsync(BackgroundProtocol.Replay, new SessionParams(_identifier), ProtocolJson.Default.SessionParams, ProtocolJson.Default.ReplayResult,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or RpcException)
        {
            // The daemon went away; its events wait in its journal for the next attach.
        }
    }

    /// <summary>Hands a new task to the daemon, which starts it.</summary>
    public async Task CreateAsync(UrlSessionTask task, string kind, string? uploadFile, ResumeData? resumeData, CancellationToken cancellationToken)
    {
        var registration = SendCreateAsync(task, kind, uploadFile, resumeData, cancellationToken);
        lock (_registrations)
            _registrations.Add(registration);
        try
        {
            await registration.ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new UrlError(UrlErrorCode.BackgroundSessionWasDisconnected, task.OriginalRequest.Url,
                "urlsessiond went away before it recorded the task; the session reconnects by itself, so create the task again.", e);
        }
        finally
        {
            lock (_registrations)
                _registrations.Remove(registration);
        }
    }

    /// <summary>Completes when every task resumed so far is in the daemon's database (so the app may exit).</summary>
    public Task WhenRegisteredAsync()
    {
        lock (_registrations)
            return Task.WhenAll([.. _registrations]).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private Task SendCreateAsync(UrlSessionTask task, string kind, string? uploadFile, ResumeData? resumeData, CancellationToken cancellationToken)
    {
        var request = task.OriginalRequest;
        var info = new TaskInfo(task.TaskIdentifier, kind, new RequestInfo(request.Url.AbsoluteUri, request.HttpMethod, new Dictionary<string, string>(request.Headers)),
            task.TaskDescription, "running", uploadFile, 0, -1, 0, 0, null);
        string? resume = resumeData is null ? null : Convert.ToBase64String(resumeData.ToArray());
        return _rpc.InvokeAsync(BackgroundProtocol.CreateTask, new CreateTaskParams(_identifier, info, resume),
            ProtocolJson.Default.CreateTaskParams, ProtocolJson.Default.Empty, cancellationToken);
    }

    public async Task CancelAsync(UrlSessionTask task, bool produceResumeData)
    {
        try
        {
            await _rpc.InvokeAsync(BackgroundProtocol.Cancel, new TaskParams(_identifier, task.TaskIdentifier, produceResumeData), ProtocolJson.Default.TaskParams, ProtocolJson.Default.Empty).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or RpcException)
        {
            // Without the daemon the task cannot be cancelled there; the app learns its end on the next attach.
        }
    }

    /// <summary>
    /// The daemon's questions: a challenge one of this session's transfers met. A task's challenge goes to the
    /// delegate's task-level <c>DidReceiveChallenge</c>, a server-trust challenge to the session-level one, as in a
    /// foreground session; default handling offers the session's stored credential for that space once.
    /// </summary>
    private async ValueTask<string?> OnRequestAsync(string method, JsonElement parameters)
    {
        if (method != BackgroundProtocol.Challenge)
            throw new RpcException(-32601, $"No method '{method}'.");
        var question = parameters.Deserialize(ProtocolJson.Default.ChallengeParams) ?? throw new ArgumentException("No challenge.");
        var space = ChallengeWire.SpaceOf(question.Space);
        var proposed = space.ServerTrust is null ? _session.ConfigurationSnapshot.UrlCredentialStorage?.DefaultCredential(space) : null;
        var challenge = new UrlAuthenticationChallenge(space, proposed, question.PreviousFailureCount, ToResponse(question.FailureResponse), null);
        UrlSessionTask? task = null;
        if (question.TaskIdentifier > 0)
        {
            lock (_tasks)
                _tasks.TryGetValue(question.TaskIdentifier, out task);
        }
        var (disposition, credential) = (AuthChallengeDisposition.PerformDefaultHandling, (UrlCredential?)null);
        if (question.TaskIdentifier == 0)
            (disposition, credential) = await _session.DidReceiveSessionChallengeAsync(challenge).ConfigureAwait(false);
        else if (task is not null && _session.Answers(UrlSessionCallbacks.DidReceiveTaskChallenge))
            (disposition, credential) = await _session.DidReceiveTaskChallengeAsync(task, challenge).ConfigureAwait(false);
        if (disposition == AuthChallengeDisposition.PerformDefaultHandling && proposed is not null && question.PreviousFailureCount == 0)
            (disposition, credential) = (AuthChallengeDisposition.UseCredential, proposed);
        return JsonSerializer.Serialize(ChallengeWire.Answer(disposition, credential, space.ServerTrust), ProtocolJson.Default.ChallengeAnswer);
    }

    /// <summary>
    /// Tells the daemon an event was delivered, so that it is not replayed, without waiting for the answer: the next
    /// event is delivered meanwhile, so acknowledgements pipeline (one round trip and commit each, awaited in turn, made
    /// 10,000 tasks take minutes). They are sent in delivery order, tracked until answered, and waited for (bounded)
    /// when the session ends; one that is lost leaves the event in <c>_delivered</c>, acknowledged again on replay.
    /// </summary>
    public Task AckAsync(long sequence)
    {
        Track(AckCoreAsync(sequence));
        return Task.CompletedTask;
    }

    private async Task AckCoreAsync(long sequence)
    {
        try
        {
            await _rpc.InvokeAsync(BackgroundProtocol.Ack, new AckParams(_identifier, sequence), ProtocolJson.Default.AckParams, ProtocolJson.Default.Empty).ConfigureAwait(false);
            // Recorded by the daemon (it answers after its journal commits): never replayed, so no longer remembered.
            lock (_delivered)
                _delivered.Remove(sequence);
        }
        catch (Exception e) when (e is IOException or RpcException)
        {
            // Not acknowledged: delivered again on the next attach, as a crash before the ack would.
        }
    }

    /// <summary>How many delivered events still wait for their acknowledgement to reach the daemon.</summary>
    internal int UnacknowledgedCount
    {
        get
        {
            lock (_delivered)
                return _delivered.Count;
        }
    }

    /// <summary>
    /// Detaches within a bounded time whatever the daemon does: the deliveries under way get a moment to finish and
    /// be acknowledged, no other starts, and every wait on the daemon ends when the connection closes.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        try
        {
            await Task.WhenAll(StopDelivering()).WaitAsync(s_deliveriesUnderWayTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or IOException or RpcException)
        {
            // Unacknowledged: replayed on the next attach.
        }
        await _disposed.CancelAsync().ConfigureAwait(false);
        _events.Writer.TryComplete();
        // Closing the connection ends the reader the maintainer waits on; a connection it made meanwhile closes after it.
        var rpc = _rpc;
        await rpc.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _maintainer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Disposed while reconnecting.
        }
        if (_rpc != rpc)
            await _rpc.DisposeAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
    }

    private ValueTask OnNotificationAsync(string method, JsonElement parameters)
    {
        if (method == BackgroundProtocol.Event && parameters.Deserialize(ProtocolJson.Default.EventMessage) is { } message && message.Identifier == _identifier)
            _events.Writer.TryWrite(message);
        return default;
    }

    private async Task PumpAsync()
    {
        bool delivered = false;
        await foreach (var message in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (BeginDelivery() is not { } delivery)
                return;
            UrlSessionTask? task;
            lock (_tasks)
                _tasks.TryGetValue(message.TaskIdentifier, out task);
            bool replayedAfterDelivery;
            lock (_delivered)
                replayedAfterDelivery = message.Sequence > 0 && !_delivered.Add(message.Sequence);
            if (replayedAfterDelivery)
            {
                // Replayed after a reconnect, but this process already delivered it: only the acknowledgement was lost.
                await AckAsync(message.Sequence).ConfigureAwait(false);
                EndDelivery(delivery);
                continue;
            }
            try
            {
                switch (message.Kind)
                {
                    case EventKinds.Progress when task is UrlSessionDownloadTask download:
                        download.SetProgress(message.TotalBytesWritten, message.TotalBytesExpected);
                        if (_session.Answers(UrlSessionCallbacks.DidWriteData))
                            await _session.DidWriteDataAsync(download, message.BytesWritten, message.TotalBytesWritten, message.TotalBytesExpected).ConfigureAwait(false);
                        break;
                    case EventKinds.Progress when task is UrlSessionUploadTask upload:
                        upload.SetSendProgress(message.TotalBytesWritten, message.TotalBytesExpected);
                        if (_session.Answers(UrlSessionCallbacks.DidSendBodyData))
                            await _session.DidSendBodyDataAsync(upload, message.BytesWritten, message.TotalBytesWritten, message.TotalBytesExpected).ConfigureAwait(false);
                        break;
                    case EventKinds.Finished when task is UrlSessionDownloadTask finished:
                        finished.Response = ToResponse(message.Response);
                        if (message.Location is { } handedOver && TrustedHandOver(handedOver, finished) is { } location)
                        {
                            try
                            {
                                if (_session.Answers(UrlSessionCallbacks.DidFinishDownloading))
                                    await _session.DidFinishDownloadingAsync(finished, location).ConfigureAwait(false);
                            }
                            finally
                            {
                                DownloadFolder.Delete(location);
                            }
                        }
                        delivered = true;
                        await AckAsync(message.Sequence).ConfigureAwait(false);
                        break;
                    case EventKinds.Completed when task is not null:
                        task.Response ??= ToResponse(message.Response);
                        var error = message.ErrorCode == 0 ? RefusedHandOver(task) : new UrlError((UrlErrorCode)message.ErrorCode, task.OriginalRequest.Url, message.ErrorMessage);
                        if (error is not null && message.ResumeData is { } resume)
                            error.ResumeData = ResumeData.FromBytes(Convert.FromBase64String(resume));
                        // An upload's response body travels with its completion, so both are delivered together, once.
                        if (message.Body is { Length: > 0 } body && task is UrlSessionDataTask data && _session.Answers(UrlSessionCallbacks.DidReceiveData))
                            await _session.DidReceiveDataAsync(data, Convert.FromBase64String(body)).ConfigureAwait(false);
                        task.CompleteRemotely(error, message.Sequence);
                        await Track(task.Completion).ConfigureAwait(false);
                        delivered = true;
                        break;
                    case EventKinds.ReplayDone:
                        if (delivered && _session.Answers(UrlSessionCallbacks.DidFinishEventsForBackgroundSession))
                            await _session.DidFinishEventsForBackgroundSessionAsync().ConfigureAwait(false);
                        delivered = false;
                        break;
                    default:
                        // An event for a task this process does not know: nobody can take it, so it is not replayed forever.
                        if (message.Sequence > 0)
                            await AckAsync(message.Sequence).ConfigureAwait(false);
                        break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A delegate that throws is an unhandled exception, as for foreground tasks; the event stays unacknowledged.
                System.Threading.ThreadPool.UnsafeQueueUserWorkItem(static e => System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e), e, preferLocal: false);
            }
            finally
            {
                EndDelivery(delivery);
            }
        }
    }

    /// <summary>
    /// The file a daemon hands over is used (given to the delegate, then deleted) only when it is a regular file of
    /// this user's, directly inside the daemon's finished-files folder, which must itself be this user's and 0700.
    /// Anything else (a path elsewhere, a symlink, another user's file) is left untouched and the task fails with
    /// <see cref="UrlErrorCode.CannotOpenFile"/>.
    /// </summary>
    private string? TrustedHandOver(string location, UrlSessionDownloadTask task)
    {
        string folder = Path.GetFullPath(BackgroundPaths.FinishedFolder);
        string? problem = null;
        try
        {
            string full = Path.GetFullPath(location);
            if (!string.Equals(Path.GetDirectoryName(full), folder, StringComparison.Ordinal))
                problem = $"urlsessiond named {location}, which is outside its finished-files folder {folder}; the file was not touched.";
            else if (OperatingSystem.IsWindows() || !PrivateFolder.IsPrivate(folder))
                problem = $"urlsessiond's finished-files folder {folder} is not a folder of yours with mode 0700; the file was not touched.";
            else
            {
                PrivateFile.CheckOwn(full);
                return full;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            problem = $"The file urlsessiond handed over cannot be trusted: {e.Message}";
        }
        lock (_refusedHandOvers)
            _refusedHandOvers[task.TaskIdentifier] = problem;
        return null;
    }

    private UrlError? RefusedHandOver(UrlSessionTask task)
    {
        string? problem;
        lock (_refusedHandOvers)
        {
            if (!_refusedHandOvers.Remove(task.TaskIdentifier, out problem))
                return null;
        }
        return new UrlError(UrlErrorCode.CannotOpenFile, task.OriginalRequest.Url, problem);
    }

    private static HttpUrlResponse? ToResponse(ResponseInfo? info) =>
        info is null ? null : HttpUrlResponse.Create(new Uri(info.Url), info.StatusCode, "HTTP/1.1", info.Headers.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase));
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using UrlLoading.Background;
using UrlLoading.Transfer;
using UrlLoading.WebSockets;

namespace UrlLoading;

/// <summary>
/// A group of tasks that share a configuration, a connection pool, stores and a delegate (Apple's <c>URLSession</c>).
/// Create one per kind of work and reuse it; dispose it (or call <see cref="FinishTasksAndInvalidate"/>) when done.
/// </summary>
public sealed class UrlSession : IAsyncDisposable
{
    private static readonly Lazy<UrlSession> s_shared = new(() => new UrlSession(UrlSessionConfiguration.Default, null, null, isShared: true));
    private static readonly HashSet<string> s_liveBackgroundIdentifiers = new(StringComparer.Ordinal);
    private static readonly TimeSpan s_backgroundInvalidationTimeout = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private readonly HashSet<UrlSessionTask> _tasks = [];
    private readonly TaskCompletionSource _invalidated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _isShared;
    private readonly UrlSessionCallbacks _callbacks;
    private IUrlSessionDelegate? _delegate;
    private int _lastTaskIdentifier;
    private bool _invalidating;
    private bool _invalidationDelivered;

    /// <summary>Creates a session without a delegate.</summary>
    /// <param name="configuration">The configuration; the session keeps a copy.</param>
    public UrlSession(UrlSessionConfiguration configuration)
        : this(configuration, null, null)
    {
    }

    /// <summary>Creates a session (Apple's <c>init(configuration:delegate:delegateQueue:)</c>).</summary>
    /// <param name="configuration">The configuration; the session keeps a copy, so later changes to it have no effect.</param>
    /// <param name="delegate">The delegate, usually a <c>[UrlSessionDelegate] partial class</c>. Held until the session is invalidated.</param>
    /// <param name="delegateQueue">Where callbacks run; null for a new serial queue.</param>
    public UrlSession(UrlSessionConfiguration configuration, IUrlSessionDelegate? @delegate, DelegateQueue? delegateQueue = null)
        : this(configuration, @delegate, delegateQueue, isShared: false)
    {
    }

    private UrlSession(UrlSessionConfiguration configuration, IUrlSessionDelegate? @delegate, DelegateQueue? delegateQueue, bool isShared)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ConfigurationSnapshot = configuration.Clone();
        if (ConfigurationSnapshot.Identifier is { } identifier)
        {
            if (ConfigurationSnapshot.ProtocolClasses.Count > 0)
                throw new ArgumentException("Background sessions cannot use custom ProtocolClasses: the transfer runs in urlsessiond, which cannot load your code. Clear ProtocolClasses or use a default session.", nameof(configuration));
            if (@delegate is null)
                throw new ArgumentException("A background session needs a delegate: its events arrive only through delegate callbacks. Pass a [UrlSessionDelegate] class.", nameof(@delegate));
            lock (s_liveBackgroundIdentifiers)
            {
                if (!s_liveBackgroundIdentifiers.Add(identifier))
                    throw new InvalidOperationException($"A background session with identifier '{identifier}' already exists in this process. Create exactly one session per background identifier and reuse it (see US1001).");
            }
        }
        _delegate = @delegate;
        _callbacks = @delegate?.Callbacks ?? UrlSessionCallbacks.None;
        _isShared = isShared;
        DelegateQueue = delegateQueue ?? DelegateQueue.CreateSerial();
        Engine = new TransferEngine(ConfigurationSnapshot, this);
        if (ConfigurationSnapshot.Identifier is { } backgroundIdentifier)
            Background = AttachToDaemon(backgroundIdentifier);
    }

    /// <summary>
    /// Attaches a background session to urlsessiond: the tasks the daemon still holds for this identifier come back
    /// with their identifiers and descriptions, and the events this app missed are replayed to the delegate.
    /// </summary>
    private BackgroundLink AttachToDaemon(string identifier)
    {
        BackgroundLink link;
        List<TaskInfo> held;
        try
        {
            (link, held) = BackgroundLink.Attach(this, identifier);
        }
        catch
        {
            Engine.Dispose();
            lock (s_liveBackgroundIdentifiers)
                s_liveBackgroundIdentifiers.Remove(identifier);
            throw;
        }
        Background = link;
        var tasks = new List<UrlSessionTask>();
        lock (_gate)
        {
            foreach (var info in held)
            {
                _lastTaskIdentifier = Math.Max(_lastTaskIdentifier, info.TaskIdentifier);
                var request = new UrlRequest(new Uri(info.Request.Url)) { HttpMethod = info.Request.Method, Headers = info.Request.Headers };
                UrlSessionTask task = info.Kind == "upload"
                    ? new UrlSessionUploadTask(this, info.TaskIdentifier, request, info.UploadFile ?? "", info.Description)
                    : new UrlSessionDownloadTask(this, info.TaskIdentifier, request, info.Description);
                task.SetProgress(info.BytesReceived, info.BytesExpected);
                if (info.Kind == "upload")
                    task.SetSendProgress(info.BytesSent, -1);
                _tasks.Add(task);
                tasks.Add(task);
            }
        }
        foreach (var task in tasks)
            task.Resume();
        _ = link.RequestReplayAsync();
        return link;
    }

    /// <summary>The shared session: default configuration, no delegate. Invalidating it has no effect.</summary>
    public static UrlSession Shared => s_shared.Value;

    /// <summary>A copy of the configuration the session runs with.</summary>
    public UrlSessionConfiguration Configuration => ConfigurationSnapshot.Clone();

    /// <summary>The delegate, or null once the session has been invalidated.</summary>
    public IUrlSessionDelegate? Delegate => Volatile.Read(ref _delegate);

    /// <summary>Where the delegate's callbacks and completion handlers run.</summary>
    public DelegateQueue DelegateQueue { get; }

    /// <summary>An app-defined label for the session.</summary>
    public string? SessionDescription { get; set; }

    internal UrlSessionConfiguration ConfigurationSnapshot { get; }

    internal TransferEngine Engine { get; }

    /// <summary>The line to urlsessiond, for a background session.</summary>
    internal BackgroundLink? Background { get; private set; }

    /// <summary>Creates a suspended data task that reports to the delegate. Call <see cref="UrlSessionTask.Resume"/>.</summary>
    /// <param name="url">The URL to load.</param>
    /// <returns>The task.</returns>
    public UrlSessionDataTask DataTask(Uri url) => DataTask(new UrlRequest(url));

    /// <summary>Creates a suspended data task that reports to the delegate. Call <see cref="UrlSessionTask.Resume"/>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The task.</returns>
    public UrlSessionDataTask DataTask(UrlRequest request) => CreateDataTask(request, null, null);

    /// <summary>
    /// Creates a suspended data task whose result goes to <paramref name="completionHandler"/> on the delegate queue:
    /// the body, the response, and null on success; or null data and the error on failure. The delegate then gets
    /// redirect, challenge and metrics callbacks, but no response, data or completion callbacks.
    /// </summary>
    /// <param name="url">The URL to load.</param>
    /// <param name="completionHandler">Called once when the task ends.</param>
    /// <returns>The task.</returns>
    public UrlSessionDataTask DataTask(Uri url, Action<byte[]?, UrlResponse?, UrlError?> completionHandler) =>
        DataTask(new UrlRequest(url), completionHandler);

    /// <summary>Creates a suspended data task whose result goes to a completion handler on the delegate queue.</summary>
    /// <param name="request">The request.</param>
    /// <param name="completionHandler">Called once when the task ends.</param>
    /// <returns>The task.</returns>
    public UrlSessionDataTask DataTask(UrlRequest request, Action<byte[]?, UrlResponse?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        RejectOnBackground("completion handlers");
        return CreateDataTask(request, completionHandler, null);
    }

    /// <summary>Loads a URL and returns its body and response (Apple's <c>data(from:)</c>). HTTP error statuses are returned, not thrown.</summary>
    /// <param name="url">The URL to load.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The body and the response.</returns>
    /// <exception cref="UrlError">The load failed.</exception>
    public Task<(byte[] Data, UrlResponse Response)> DataAsync(Uri url, CancellationToken cancellationToken = default) =>
        DataAsync(new UrlRequest(url), cancellationToken);

    /// <summary>Sends a request and returns the body and response (Apple's <c>data(for:)</c>). HTTP error statuses are returned, not thrown.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The body and the response.</returns>
    /// <exception cref="UrlError">The load failed.</exception>
    public Task<(byte[] Data, UrlResponse Response)> DataAsync(UrlRequest request, CancellationToken cancellationToken = default)
    {
        RejectOnBackground("async convenience methods");
        // Synchronous continuations: the task completes this result last of all (ContinueCallerAfterCompletion), so the
        // caller goes on where the transfer ended, without a thread-pool hop, and after the task's own bookkeeping.
        var result = new TaskCompletionSource<(byte[] Data, UrlResponse Response)>();
        return RunAwaitedAsync(CreateDataTask(request, null, result), result.Task, cancellationToken);
    }

    /// <summary>Creates a suspended download task that reports to the delegate: progress in <c>DidWriteData</c>, the file in <c>DidFinishDownloading</c>.</summary>
    /// <param name="url">The URL to download.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(Uri url) => DownloadTask(new UrlRequest(url));

    /// <summary>Creates a suspended download task that reports to the delegate: progress in <c>DidWriteData</c>, the file in <c>DidFinishDownloading</c>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(UrlRequest request) => CreateDownloadTask(request, null, null);

    /// <summary>
    /// Creates a suspended download task whose result goes to <paramref name="completionHandler"/> on the delegate queue:
    /// the temporary file's path, the response, and null on success. The file is deleted when the handler returns:
    /// move or open it there.
    /// </summary>
    /// <param name="url">The URL to download.</param>
    /// <param name="completionHandler">Called once when the task ends.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(Uri url, Action<string?, UrlResponse?, UrlError?> completionHandler) =>
        DownloadTask(new UrlRequest(url), completionHandler);

    /// <summary>Creates a suspended download task whose result goes to a completion handler on the delegate queue.</summary>
    /// <param name="request">The request.</param>
    /// <param name="completionHandler">Called once when the task ends; the file is deleted when it returns.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(UrlRequest request, Action<string?, UrlResponse?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        RejectOnBackground("completion handlers");
        return CreateDownloadTask(request, completionHandler, null);
    }

    /// <summary>
    /// Creates a suspended download task that continues a cancelled or failed download from its resume data: it asks
    /// for the rest with <c>Range</c> and <c>If-Range</c>, reports <c>DidResumeAtOffset</c>, and starts over from zero
    /// when the server cannot continue the same file.
    /// </summary>
    /// <param name="resumeData">From <see cref="UrlSessionDownloadTask.CancelByProducingResumeDataAsync"/> or <see cref="UrlError.ResumeData"/>.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(ResumeData resumeData)
    {
        ArgumentNullException.ThrowIfNull(resumeData);
        return Register(identifier => new UrlSessionDownloadTask(this, identifier, resumeData, null, null));
    }

    /// <summary>Downloads a URL to a temporary file that the caller owns (Apple's <c>download(from:)</c>): move it or delete it when done.</summary>
    /// <param name="url">The URL to download.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The file's path and the response.</returns>
    /// <exception cref="UrlError">The download failed.</exception>
    public Task<(string Location, UrlResponse Response)> DownloadAsync(Uri url, CancellationToken cancellationToken = default) =>
        DownloadAsync(new UrlRequest(url), cancellationToken);

    /// <summary>Downloads a request's response body to a temporary file that the caller owns (Apple's <c>download(for:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The file's path and the response.</returns>
    /// <exception cref="UrlError">The download failed.</exception>
    public Task<(string Location, UrlResponse Response)> DownloadAsync(UrlRequest request, CancellationToken cancellationToken = default)
    {
        RejectOnBackground("async convenience methods");
        var result = new TaskCompletionSource<(string Location, UrlResponse Response)>();
        return RunAwaitedAsync(CreateDownloadTask(request, null, result), result.Task, cancellationToken);
    }

    /// <summary>Creates a suspended WebSocket task for a <c>ws</c> or <c>wss</c> URL (Apple's <c>webSocketTask(with:)</c>). Call <see cref="UrlSessionTask.Resume"/> to connect.</summary>
    /// <param name="url">The WebSocket URL (<c>http</c> and <c>https</c> are accepted too).</param>
    /// <returns>The task.</returns>
    /// <exception cref="InvalidOperationException">The session is a background session.</exception>
    public UrlSessionWebSocketTask WebSocketTask(Uri url) => WebSocketTask(url, []);

    /// <summary>Creates a suspended WebSocket task that offers <paramref name="protocols"/> (<c>Sec-WebSocket-Protocol</c>); <c>DidOpenWithProtocol</c> reports the server's choice.</summary>
    /// <param name="url">The WebSocket URL.</param>
    /// <param name="protocols">The subprotocols to offer, most preferred first.</param>
    /// <returns>The task.</returns>
    /// <exception cref="InvalidOperationException">The session is a background session.</exception>
    public UrlSessionWebSocketTask WebSocketTask(Uri url, IReadOnlyList<string> protocols) =>
        WebSocketTask(WebSocketHandshake.RequestFor(url, protocols));

    /// <summary>Creates a suspended WebSocket task whose opening handshake is <paramref name="request"/> (a GET without a body; its headers are sent).</summary>
    /// <param name="request">The handshake request; a <c>Sec-WebSocket-Protocol</c> header in it offers subprotocols.</param>
    /// <returns>The task.</returns>
    /// <exception cref="InvalidOperationException">The session is a background session.</exception>
    public UrlSessionWebSocketTask WebSocketTask(UrlRequest request)
    {
        var handshake = WebSocketHandshake.Normalize(request);
        if (ConfigurationSnapshot.IsBackground)
            throw new InvalidOperationException("Background sessions do not run WebSocket tasks: urlsessiond carries downloads and file uploads, not live connections. Use a default or ephemeral session.");
        return Register(identifier => new UrlSessionWebSocketTask(this, identifier, handshake));
    }

    /// <summary>Creates a suspended upload task that sends a file as the body (Apple's <c>uploadTask(with:fromFile:)</c>).</summary>
    /// <param name="request">The request (its method is usually POST or PUT; its own body is ignored).</param>
    /// <param name="fromFile">The path of the file to send.</param>
    /// <returns>The task.</returns>
    /// <exception cref="UrlError">The file is missing (<see cref="UrlErrorCode.FileDoesNotExist"/>), a folder, or unreadable.</exception>
    public UrlSessionUploadTask UploadTask(UrlRequest request, string fromFile) => CreateUploadTask(request, fromFile, null, null, null);

    /// <summary>Creates a suspended upload task that sends a file and passes the response body to a completion handler.</summary>
    /// <param name="request">The request.</param>
    /// <param name="fromFile">The path of the file to send.</param>
    /// <param name="completionHandler">Called once when the task ends, on the delegate queue.</param>
    /// <returns>The task.</returns>
    public UrlSessionUploadTask UploadTask(UrlRequest request, string fromFile, Action<byte[]?, UrlResponse?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        RejectOnBackground("completion handlers");
        return CreateUploadTask(request, fromFile, null, completionHandler, null);
    }

    /// <summary>Creates a suspended upload task that sends bytes as the body (Apple's <c>uploadTask(with:from:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="bodyData">The body.</param>
    /// <returns>The task.</returns>
    public UrlSessionUploadTask UploadTask(UrlRequest request, ReadOnlyMemory<byte> bodyData) => CreateUploadTask(request, null, bodyData, null, null);

    /// <summary>Creates a suspended upload task that sends bytes and passes the response body to a completion handler.</summary>
    /// <param name="request">The request.</param>
    /// <param name="bodyData">The body.</param>
    /// <param name="completionHandler">Called once when the task ends, on the delegate queue.</param>
    /// <returns>The task.</returns>
    public UrlSessionUploadTask UploadTask(UrlRequest request, ReadOnlyMemory<byte> bodyData, Action<byte[]?, UrlResponse?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        RejectOnBackground("completion handlers");
        return CreateUploadTask(request, null, bodyData, completionHandler, null);
    }

    /// <summary>
    /// Creates a suspended upload task whose body the delegate provides through <c>NeedNewBodyStream</c>, asked each
    /// time the body is sent: first, and again after a 307/308 redirect or an authentication retry.
    /// </summary>
    /// <param name="streamedRequest">The request.</param>
    /// <returns>The task.</returns>
    public UrlSessionUploadTask UploadTask(UrlRequest streamedRequest)
    {
        if (!Answers(UrlSessionCallbacks.NeedNewBodyStream))
            throw new InvalidOperationException("A streamed upload needs the session delegate to answer NeedNewBodyStream (see US2301); give the delegate a NeedNewBodyStream method, or upload from a file or bytes.");
        return CreateUploadTask(streamedRequest, null, null, null, null);
    }

    /// <summary>Uploads bytes and returns the response body and response (Apple's <c>upload(for:from:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="bodyData">The body.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The response body and the response.</returns>
    public Task<(byte[] Data, UrlResponse Response)> UploadAsync(UrlRequest request, ReadOnlyMemory<byte> bodyData, CancellationToken cancellationToken = default)
    {
        RejectOnBackground("async convenience methods");
        var result = new TaskCompletionSource<(byte[] Data, UrlResponse Response)>();
        return RunAwaitedAsync(CreateUploadTask(request, null, bodyData, null, result), result.Task, cancellationToken);
    }

    /// <summary>Uploads a file and returns the response body and response (Apple's <c>upload(for:fromFile:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="fromFile">The path of the file to send.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The response body and the response.</returns>
    public Task<(byte[] Data, UrlResponse Response)> UploadAsync(UrlRequest request, string fromFile, CancellationToken cancellationToken = default)
    {
        RejectOnBackground("async convenience methods");
        var result = new TaskCompletionSource<(byte[] Data, UrlResponse Response)>();
        return RunAwaitedAsync(CreateUploadTask(request, fromFile, null, null, result), result.Task, cancellationToken);
    }

    /// <summary>The tasks that are running or suspended after having been resumed (never-resumed tasks are left out, as Apple does).</summary>
    /// <returns>A snapshot of the tasks.</returns>
    public ValueTask<IReadOnlyList<UrlSessionTask>> GetAllTasksAsync()
    {
        var tasks = new List<UrlSessionTask>();
        lock (_gate)
        {
            foreach (var task in _tasks)
            {
                if (task.WasEverResumed && task.State is UrlSessionTaskState.Running or UrlSessionTaskState.Suspended)
                    tasks.Add(task);
            }
        }
        tasks.Sort(static (a, b) => a.TaskIdentifier.CompareTo(b.TaskIdentifier));
        return new(tasks);
    }

    /// <summary>
    /// Lets the resumed tasks finish, refuses new ones, then sends <c>DidBecomeInvalid</c> and releases the delegate.
    /// Tasks that were never resumed are cancelled, since they could never finish. Returns at once. Has no effect on
    /// <see cref="Shared"/>. A background session waits for its tasks' events at most 5 seconds, then detaches:
    /// urlsessiond goes on with the transfers and delivers the rest to the next process that creates the session.
    /// </summary>
    public void FinishTasksAndInvalidate()
    {
        if (_isShared)
            return;
        bool deliverNow;
        var neverResumed = new List<UrlSessionTask>();
        lock (_gate)
        {
            if (_invalidating)
                return;
            _invalidating = true;
            deliverNow = _tasks.Count == 0;
            foreach (var task in _tasks)
            {
                if (!task.WasEverResumed)
                    neverResumed.Add(task);
            }
        }
        // A task that was never resumed can never finish; waiting for it would keep the session alive forever.
        foreach (var task in neverResumed)
            task.Cancel();
        if (deliverNow)
            _ = DeliverInvalidationAsync();
        else if (Background is not null)
            _ = DetachWhenOverdueAsync();
    }

    /// <summary>
    /// A background session's tasks run in urlsessiond, which may be gone, stopped or slow: its invalidation waits for
    /// their events at most <see cref="s_backgroundInvalidationTimeout"/>, then detaches. The daemon keeps every
    /// transfer and undelivered event, and the next process that attaches the identifier receives them, once.
    /// </summary>
    private async Task DetachWhenOverdueAsync()
    {
        if (await Task.WhenAny(_invalidated.Task, Task.Delay(s_backgroundInvalidationTimeout)).ConfigureAwait(false) != _invalidated.Task)
            await DeliverInvalidationAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Cancels every task, refuses new ones, and sends <c>DidBecomeInvalid</c> once the cancelled tasks have reported
    /// their completion. Returns at once. Has no effect on <see cref="Shared"/>. A background session waits for the
    /// cancellations at most 5 seconds, then detaches; those that come later reach the next process that creates it.
    /// </summary>
    public void InvalidateAndCancel()
    {
        if (_isShared)
            return;
        UrlSessionTask[] tasks;
        lock (_gate)
        {
            if (_invalidating && _tasks.Count == 0)
                return;
            _invalidating = true;
            tasks = [.. _tasks];
        }
        foreach (var task in tasks)
            task.Cancel();
        if (tasks.Length == 0)
            _ = DeliverInvalidationAsync();
        else if (Background is not null)
            _ = DetachWhenOverdueAsync();
    }

    /// <summary>Empties the session's cookies and credentials and drops idle connections (Apple's <c>reset</c>).</summary>
    /// <returns>A task that completes when the stores are empty.</returns>
    public ValueTask ResetAsync()
    {
        ConfigurationSnapshot.HttpCookieStorage?.Clear();
        ConfigurationSnapshot.UrlCredentialStorage?.Clear();
        return default;
    }

    /// <summary>
    /// Writes the session's stores to disk where they have a disk part (Apple's <c>flush</c>). For a background session
    /// it also waits until every task resumed so far is recorded by urlsessiond, after which the app may exit and the
    /// transfers go on.
    /// </summary>
    /// <returns>A task that completes when everything is written.</returns>
    public ValueTask FlushAsync() => Background is { } link ? new(link.WhenRegisteredAsync()) : default;

    /// <summary>
    /// Finishes the tasks, invalidates the session and waits for <c>DidBecomeInvalid</c> to be delivered. For a
    /// background session that takes at most a few seconds, whatever urlsessiond is doing (see <see cref="FinishTasksAndInvalidate"/>).
    /// </summary>
    /// <returns>A task that completes after invalidation.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_isShared)
            return;
        FinishTasksAndInvalidate();
        await _invalidated.Task.ConfigureAwait(false);
    }

    internal bool Answers(UrlSessionCallbacks callback) => (_callbacks & callback) != 0 && Volatile.Read(ref _delegate) is not null;

    internal void TaskDidComplete(UrlSessionTask task)
    {
        bool deliver;
        lock (_gate)
        {
            _tasks.Remove(task);
            deliver = _invalidating && _tasks.Count == 0;
        }
        if (deliver)
            _ = DeliverInvalidationAsync();
    }

    internal ValueTask DidReceiveDataAsync(UrlSessionDataTask task, ReadOnlyMemory<byte> data) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidReceiveData(s.Session, s.Task, s.Data), (Delegate: _delegate!, Session: this, Task: task, Data: data));

    internal ValueTask DidSendBodyDataAsync(UrlSessionTask task, long sent, long total, long expected) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidSendBodyData(s.Session, s.Task, s.Sent, s.Total, s.Expected), (Delegate: _delegate!, Session: this, Task: task, Sent: sent, Total: total, Expected: expected));

    internal ValueTask<System.IO.Stream?> NeedNewBodyStreamAsync(UrlSessionTask task) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.NeedNewBodyStream(s.Session, s.Task), (Delegate: _delegate!, Session: this, Task: task));

    internal ValueTask DidWriteDataAsync(UrlSessionDownloadTask task, long written, long total, long expected) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidWriteData(s.Session, s.Task, s.Written, s.Total, s.Expected), (Delegate: _delegate!, Session: this, Task: task, Written: written, Total: total, Expected: expected));

    internal ValueTask DidResumeAtOffsetAsync(UrlSessionDownloadTask task, long offset, long expected) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidResumeAtOffset(s.Session, s.Task, s.Offset, s.Expected), (Delegate: _delegate!, Session: this, Task: task, Offset: offset, Expected: expected));

    internal ValueTask DidBecomeDownloadTaskAsync(UrlSessionDataTask task, UrlSessionDownloadTask download) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidBecomeDownloadTask(s.Session, s.Task, s.Download), (Delegate: _delegate!, Session: this, Task: task, Download: download));

    internal ValueTask DidFinishDownloadingAsync(UrlSessionDownloadTask task, string location) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidFinishDownloading(s.Session, s.Task, s.Location), (Delegate: _delegate!, Session: this, Task: task, Location: location));

    internal ValueTask<ResponseDisposition> DidReceiveResponseAsync(UrlSessionDataTask task, UrlResponse response) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidReceiveResponse(s.Session, s.Task, s.Response), (Delegate: _delegate!, Session: this, Task: task, Response: response));

    internal ValueTask<UrlRequest?> WillPerformHttpRedirectionAsync(UrlSessionTask task, HttpUrlResponse response, UrlRequest next) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.WillPerformHttpRedirection(s.Session, s.Task, s.Response, s.Next), (Delegate: _delegate!, Session: this, Task: task, Response: response, Next: next));

    internal ValueTask<(AuthChallengeDisposition Disposition, UrlCredential? Credential)> DidReceiveTaskChallengeAsync(UrlSessionTask task, UrlAuthenticationChallenge challenge) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidReceiveChallenge(s.Session, s.Task, s.Challenge), (Delegate: _delegate!, Session: this, Task: task, Challenge: challenge));

    internal ValueTask<(AuthChallengeDisposition Disposition, UrlCredential? Credential)> DidReceiveSessionChallengeAsync(UrlAuthenticationChallenge challenge) =>
        Volatile.Read(ref _delegate) is { } d
            ? DelegateQueue.InvokeAsync(static s => s.Delegate.DidReceiveChallenge(s.Session, s.Challenge), (Delegate: d, Session: this, Challenge: challenge))
            : new((AuthChallengeDisposition.PerformDefaultHandling, null));

    internal ValueTask<CachedUrlResponse?> WillCacheResponseAsync(UrlSessionDataTask task, CachedUrlResponse proposed) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.WillCacheResponse(s.Session, s.Task, s.Proposed), (Delegate: _delegate!, Session: this, Task: task, Proposed: proposed));

    internal ValueTask DidFinishEventsForBackgroundSessionAsync() =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidFinishEventsForBackgroundSession(s.Session), (Delegate: _delegate!, Session: this));

    internal ValueTask DidFinishCollectingMetricsAsync(UrlSessionTask task, UrlSessionTaskMetrics metrics) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidFinishCollectingMetrics(s.Session, s.Task, s.Metrics), (Delegate: _delegate!, Session: this, Task: task, Metrics: metrics));

    internal ValueTask DidCompleteWithErrorAsync(UrlSessionTask task, UrlError? error) =>
        Volatile.Read(ref _delegate) is { } d && (_callbacks & UrlSessionCallbacks.DidCompleteWithError) != 0
            ? DelegateQueue.InvokeAsync(static s => s.Delegate.DidCompleteWithError(s.Session, s.Task, s.Error), (Delegate: d, Session: this, Task: task, Error: error))
            : default;

    internal ValueTask InvokeCompletionHandlerAsync<T>(Action<T?, UrlResponse?, UrlError?> handler, T? data, UrlResponse? response, UrlError? error)
        where T : class =>
        DelegateQueue.InvokeAsync(static s =>
        {
            s.Handler(s.Data, s.Response, s.Error);
            return default;
        }, (Handler: handler, Data: data, Response: response, Error: error));

    private UrlSessionDataTask CreateDataTask(UrlRequest request, Action<byte[]?, UrlResponse?, UrlError?>? handler,
        TaskCompletionSource<(byte[] Data, UrlResponse Response)>? awaiter)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConfigurationSnapshot.IsBackground)
            throw new InvalidOperationException("Background sessions run only download and file-upload tasks; use a default or ephemeral session for data tasks (see US1003).");
        return Register(identifier => new UrlSessionDataTask(this, identifier, request, handler, awaiter));
    }

    private UrlSessionUploadTask CreateUploadTask(UrlRequest request, string? file, ReadOnlyMemory<byte>? bytes,
        Action<byte[]?, UrlResponse?, UrlError?>? handler, TaskCompletionSource<(byte[] Data, UrlResponse Response)>? awaiter)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConfigurationSnapshot.IsBackground && file is null)
            throw new InvalidOperationException("Background sessions upload from a file only: the app may be gone while the body is sent. Write the bytes to a file and use UploadTask(request, fromFile) (see US1003).");
        if (file is not null)
            UrlSessionUploadTask.ValidateFile(file, request.Url);
        return Register(identifier => new UrlSessionUploadTask(this, identifier, request, file, bytes, handler, awaiter));
    }

    private UrlSessionDownloadTask CreateDownloadTask(UrlRequest request, Action<string?, UrlResponse?, UrlError?>? handler,
        TaskCompletionSource<(string Location, UrlResponse Response)>? awaiter)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConfigurationSnapshot.IsBackground && request.Url.Scheme != Uri.UriSchemeHttp && request.Url.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"Background sessions load only http and https URLs, not '{request.Url.Scheme}'.", nameof(request));
        return Register(identifier => new UrlSessionDownloadTask(this, identifier, request, handler, awaiter));
    }

    /// <summary>The download task that takes over a data task's body (<see cref="ResponseDisposition.BecomeDownload"/>); allowed while invalidating, since it continues an existing task.</summary>
    internal UrlSessionDownloadTask AdoptForDownload(UrlSessionDataTask dataTask, Exchange exchange)
    {
        lock (_gate)
            return AddLocked(identifier => new UrlSessionDownloadTask(this, identifier, dataTask, exchange));
    }

    private TTask Register<TTask>(Func<int, TTask> create)
        where TTask : UrlSessionTask
    {
        TTask task;
        lock (_gate)
        {
            if (_invalidating)
                throw new InvalidOperationException("This session was invalidated (FinishTasksAndInvalidate, InvalidateAndCancel or DisposeAsync) and cannot create tasks; create a new UrlSession.");
            task = AddLocked(create);
        }
        if (Answers(UrlSessionCallbacks.DidCreateTask))
            task.NotifyCreated(Task.Run(() => DelegateQueue.InvokeAsync(static s => s.Delegate.DidCreateTask(s.Session, s.Task), (Delegate: _delegate!, Session: this, Task: (UrlSessionTask)task)).AsTask()));
        return task;
    }

    private static async Task<T> RunAwaitedAsync<T>(UrlSessionTask task, Task<T> result, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static t => ((UrlSessionTask)t!).Cancel(), task);
        task.Resume();
        try
        {
            return await result.ConfigureAwait(false);
        }
        catch (UrlError e) when (e.Code == UrlErrorCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The load was cancelled.", e, cancellationToken);
        }
    }

    private TTask AddLocked<TTask>(Func<int, TTask> create)
        where TTask : UrlSessionTask
    {
        var task = create(++_lastTaskIdentifier);
        _tasks.Add(task);
        return task;
    }

    private void RejectOnBackground(string what)
    {
        if (ConfigurationSnapshot.IsBackground)
            throw new InvalidOperationException($"Background sessions do not support {what}: the app may not be running when the transfer ends. Use the session delegate (see US1002).");
    }

    private async Task DeliverInvalidationAsync()
    {
        lock (_gate)
        {
            if (_invalidationDelivered)
                return;
            _invalidationDelivered = true;
        }
        try
        {
            if (Answers(UrlSessionCallbacks.DidBecomeInvalid))
                await DelegateQueue.InvokeAsync(static s => s.Delegate.DidBecomeInvalid(s.Session, null), (Delegate: _delegate!, Session: this)).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _delegate, null);
            Engine.Dispose();
            if (Background is { } link)
                await link.DisposeAsync().ConfigureAwait(false);
            if (ConfigurationSnapshot.Identifier is { } identifier)
            {
                lock (s_liveBackgroundIdentifiers)
                    s_liveBackgroundIdentifiers.Remove(identifier);
            }
            _invalidated.TrySetResult();
        }
    }
}

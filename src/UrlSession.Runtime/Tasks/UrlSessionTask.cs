using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using UrlLoading.Transfer;

namespace UrlLoading;

/// <summary>
/// One load in a session (Apple's <c>URLSessionTask</c>). Tasks are created suspended: call <see cref="Resume"/>.
/// <see cref="Suspend"/> and <see cref="Resume"/> nest; <see cref="Cancel"/> works in every state. Each task
/// completes exactly once.
/// </summary>
public abstract class UrlSessionTask
{
    /// <summary>The default priority (0.5).</summary>
    public const float DefaultPriority = 0.5f;
    /// <summary>A low priority (0.25).</summary>
    public const float LowPriority = 0.25f;
    /// <summary>A high priority (0.75).</summary>
    public const float HighPriority = 0.75f;

    private readonly object _gate = new();
    private readonly CancellationTokenSource _cancellation = new();
    private TaskCompletionSource? _completion;
    private bool _delivered;
    private UrlSessionTaskState _state = UrlSessionTaskState.Suspended;
    private int _suspendCount = 1;
    private bool _started;
    private bool _everResumed;
    private volatile bool _cancelRequested;
    private TaskCompletionSource? _resumed;
    private float _priority = DefaultPriority;
    private Task _created = Task.CompletedTask;
    private Action<UrlSessionTask>? _continueCaller;
    private DateTimeOffset _firstResume;
    private long _countOfBytesReceived;
    private long _countOfBytesSent;
    private long _countOfBytesExpectedToSend;
    private long _countOfBytesExpectedToReceive = -1;

    private protected UrlSessionTask(UrlSession session, int identifier, UrlRequest request)
    {
        Session = session;
        TaskIdentifier = identifier;
        OriginalRequest = request;
        CurrentRequest = request;
        _countOfBytesExpectedToSend = request.HttpBody?.Length ?? 0;
        session.Background?.Track(this);
    }

    /// <summary>The task's number, unique within its session, starting at 1.</summary>
    public int TaskIdentifier { get; }

    /// <summary>An app-defined label.</summary>
    public string? TaskDescription { get; set; }

    /// <summary>The request the task was created with.</summary>
    public UrlRequest OriginalRequest { get; }

    /// <summary>The request being sent now: changes on redirects and authentication retries.</summary>
    public UrlRequest CurrentRequest { get; internal set; }

    /// <summary>The latest response (after redirects, the final one), or null before headers arrive.</summary>
    public UrlResponse? Response { get; internal set; }

    /// <summary>The error the task completed with, or null.</summary>
    public UrlError? Error { get; private set; }

    /// <summary>The task's state.</summary>
    public UrlSessionTaskState State
    {
        get
        {
            lock (_gate)
                return _state;
        }
    }

    /// <summary>A hint from 0.0 (lowest) to 1.0 (highest); <see cref="DefaultPriority"/> by default.</summary>
    public float Priority
    {
        get => _priority;
        set => _priority = value is >= 0f and <= 1f ? value
            : throw new ArgumentOutOfRangeException(nameof(Priority), value, $"{nameof(Priority)} must be between 0.0 and 1.0; use {nameof(LowPriority)}, {nameof(DefaultPriority)} or {nameof(HighPriority)}.");
    }

    /// <summary>Body bytes received so far (after content decoding).</summary>
    public long CountOfBytesReceived => Volatile.Read(ref _countOfBytesReceived);

    /// <summary>Body bytes sent so far.</summary>
    public long CountOfBytesSent => Volatile.Read(ref _countOfBytesSent);

    /// <summary>The request body's length, or -1 when unknown.</summary>
    public long CountOfBytesExpectedToSend => Volatile.Read(ref _countOfBytesExpectedToSend);

    /// <summary>The response body's expected length, or -1 when unknown.</summary>
    public long CountOfBytesExpectedToReceive => Volatile.Read(ref _countOfBytesExpectedToReceive);

    internal UrlSession Session { get; }

    /// <summary>Completes when the task's completion has been delivered.</summary>
    /// <remarks>Created only when asked for (a background session tracks it): most tasks never need one.</remarks>
    internal Task Completion
    {
        get
        {
            lock (_gate)
                return _delivered ? Task.CompletedTask : (_completion ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    internal bool WasEverResumed
    {
        get
        {
            lock (_gate)
                return _everResumed;
        }
    }

    /// <summary>Cancelled by the task's own cancellation or a timeout (<see cref="TransferClock.TimedOut"/> tells them apart).</summary>
    internal CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>Whether <see cref="Cancel"/> was called (a timeout cancels <see cref="CancellationToken"/> but is not a cancellation).</summary>
    internal bool IsCancelled => _cancelRequested;

    /// <summary>Starts the task, or continues it after <see cref="Suspend"/>. Has no effect on a cancelled or completed task.</summary>
    public void Resume()
    {
        bool start = false;
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            if (_state is UrlSessionTaskState.Canceling or UrlSessionTaskState.Completed || _suspendCount == 0)
                return;
            if (--_suspendCount > 0)
                return;
            _state = UrlSessionTaskState.Running;
            if (!_everResumed)
            {
                _everResumed = true;
                _firstResume = DateTimeOffset.UtcNow;
            }
            if (!_started)
                start = _started = true;
            (wake, _resumed) = (_resumed, null);
        }
        wake?.TrySetResult();
        if (start)
            _ = RunAsync();
    }

    /// <summary>Pauses the task: it moves no bytes and no timeout runs until a matching <see cref="Resume"/>.</summary>
    public void Suspend()
    {
        lock (_gate)
        {
            if (_state is UrlSessionTaskState.Canceling or UrlSessionTaskState.Completed)
                return;
            _suspendCount++;
            _state = UrlSessionTaskState.Suspended;
        }
    }

    /// <summary>Cancels the task in any state. It completes with <see cref="UrlErrorCode.Cancelled"/> unless it already completed.</summary>
    public void Cancel()
    {
        bool start = false;
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_state is UrlSessionTaskState.Canceling or UrlSessionTaskState.Completed)
                return;
            _state = UrlSessionTaskState.Canceling;
            _cancelRequested = true;
            if (!_started)
                start = _started = true;
            (wake, _resumed) = (_resumed, null);
        }
        _cancellation.Cancel();
        wake?.TrySetResult();
        if (start)
            _ = RunAsync();
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name} {{ TaskIdentifier = {TaskIdentifier}, State = {State}, Url = {CurrentRequest.Url} }}";

    internal void NotifyCreated(Task created) => _created = created;

    /// <summary>The transfer itself; throws on failure. Runs once, after the first resume.</summary>
    private protected abstract Task TransferAsync(TransferClock clock, MetricsRecorder metrics);

    /// <summary>Delivers the completion (delegate, completion handler or awaiting caller) for this task's delivery mode.</summary>
    private protected abstract ValueTask DeliverCompletionAsync(UrlError? error);

    /// <summary>False for a data task that became a download task: it sends no more messages, not even its completion.</summary>
    private protected virtual bool SendsCompletion => true;

    /// <summary>Whether delegate callbacks for response and body go to the session delegate (no completion handler, not awaited).</summary>
    private protected abstract bool DeliversToDelegate { get; }

    /// <summary>The body for one send of <paramref name="request"/>: the request's own bytes or stream, or what an upload task sends.</summary>
    internal virtual ValueTask<System.Net.Http.HttpContent?> CreateContentAsync(UrlRequest request, TransferClock clock)
    {
        if (request.HttpBody is { } body)
            return new(new System.Net.Http.ReadOnlyMemoryContent(body));
        if (request.HttpBodyStream is { } provider)
            return new(new System.Net.Http.StreamContent(provider() ?? throw new UrlError(UrlErrorCode.RequestBodyStreamExhausted, request.Url, "The request's HttpBodyStream provider returned null.")));
        return new((System.Net.Http.HttpContent?)null);
    }

    internal void AddBytesReceived(int count) => Interlocked.Add(ref _countOfBytesReceived, count);

    private TaskCompletionSource<UrlError?>? _remoteDone;
    private bool _reattached;
    private long _completionSequence;

    /// <summary>A task the daemon already runs, re-created when its background session attaches again.</summary>
    private protected void MarkReattached(string? description)
    {
        _reattached = true;
        TaskDescription = description;
    }

    /// <summary>
    /// A background task: the daemon moves the bytes and this waits for its completion event. Progress, the file
    /// hand-over and the response body arrive through the link's event pump before it. Returns the task's error.
    /// </summary>
    private protected async Task<UrlError?> RunInDaemonAsync(Background.BackgroundLink link, string kind, string? uploadFile, ResumeData? resumeData)
    {
        if (!_reattached)
            await link.CreateAsync(this, kind, uploadFile, resumeData, CancellationToken).ConfigureAwait(false);
        using (CancellationToken.UnsafeRegister(static state =>
        {
            var (l, t) = ((Background.BackgroundLink, UrlSessionTask))state!;
            _ = l.CancelAsync(t, t.ProducesResumeDataOnCancel);
        }, (link, this)))
        {
            return await RemoteDone.Task.ConfigureAwait(false);
        }
    }

    /// <summary>True when the cancellation under way was asked for with resume data (a download's <c>CancelByProducingResumeDataAsync</c>).</summary>
    private protected virtual bool ProducesResumeDataOnCancel => false;

    private TaskCompletionSource<UrlError?> RemoteDone
    {
        get
        {
            lock (_gate)
                return _remoteDone ??= new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>The daemon's completion event for this task arrived (<paramref name="sequence"/> is acknowledged once delivered).</summary>
    internal void CompleteRemotely(UrlError? error, long sequence)
    {
        Volatile.Write(ref _completionSequence, sequence);
        RemoteDone.TrySetResult(error);
    }

    /// <summary>Progress reported by the daemon for a background task.</summary>
    internal void SetProgress(long received, long expected)
    {
        Volatile.Write(ref _countOfBytesReceived, received);
        Volatile.Write(ref _countOfBytesExpectedToReceive, expected);
    }

    /// <summary>Upload progress reported by the daemon for a background task.</summary>
    internal void SetSendProgress(long sent, long expected)
    {
        Volatile.Write(ref _countOfBytesSent, sent);
        Volatile.Write(ref _countOfBytesExpectedToSend, expected);
    }

    internal void AddBytesSent(long count) => Interlocked.Add(ref _countOfBytesSent, count);

    internal void SetExpectedToReceive(long count) => Volatile.Write(ref _countOfBytesExpectedToReceive, count);

    internal void SetExpectedToSend(long count) => Volatile.Write(ref _countOfBytesExpectedToSend, count);

    /// <summary>Waits while the task is suspended. Cheap when it is not.</summary>
    internal ValueTask WaitWhileSuspendedAsync(TransferClock clock)
    {
        if (Volatile.Read(ref _suspendCount) == 0)
            return default;
        Task? wait = null;
        lock (_gate)
        {
            if (_state == UrlSessionTaskState.Suspended)
                wait = (_resumed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        return wait is null ? default : WaitAsync(wait, clock);
    }

    private async ValueTask WaitAsync(Task resumed, TransferClock clock)
    {
        clock.Pause();
        await resumed.WaitAsync(_cancellation.Token).ConfigureAwait(false);
        clock.Touch();
    }

    private async Task RunAsync()
    {
        await _created.ConfigureAwait(false);
        var request = CurrentRequest;
        var timeout = request.TimeoutInterval ?? Session.ConfigurationSnapshot.TimeoutIntervalForRequest;
        var metrics = new MetricsRecorder(Session.Answers(UrlSessionCallbacks.DidFinishCollectingMetrics));
        UrlError? error = null;
        using (var clock = new TransferClock(Session.Background is null ? Session.Engine.Timers : null, _cancellation, timeout,
            Session.ConfigurationSnapshot.TimeoutIntervalForResource))
        {
            try
            {
                _cancellation.Token.ThrowIfCancellationRequested();
                if (request.Url.Scheme != Uri.UriSchemeHttp && request.Url.Scheme != Uri.UriSchemeHttps)
                    throw new UrlError(UrlErrorCode.UnsupportedUrl, request.Url, $"The scheme '{request.Url.Scheme}' is not supported; use http or https.");
                await TransferAsync(clock, metrics).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = ErrorMapping.ToUrlError(e, CurrentRequest.Url, clock, IsCancelled);
            }
        }
        lock (_gate)
        {
            _state = UrlSessionTaskState.Completed;
            Error = error;
        }
        try
        {
            if (SendsCompletion)
            {
                if (Session.Answers(UrlSessionCallbacks.DidFinishCollectingMetrics))
                    await Session.DidFinishCollectingMetricsAsync(this, metrics.Build(_firstResume)).ConfigureAwait(false);
                await DeliverCompletionAsync(error).ConfigureAwait(false);
                // A background task's completion is acknowledged only once delivered, so it is replayed after a crash.
                if (Volatile.Read(ref _completionSequence) is > 0 and var sequence && Session.Background is { } link)
                    await link.AckAsync(sequence).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // A completion callback that throws is an unhandled exception, as in an async void method: never swallowed.
            ThreadPool.UnsafeQueueUserWorkItem(static e => ExceptionDispatchInfo.Throw(e), e, preferLocal: false);
        }
        finally
        {
            TaskCompletionSource? completion;
            lock (_gate)
            {
                _delivered = true;
                completion = _completion;
            }
            completion?.TrySetResult();
            Session.TaskDidComplete(this);
            // Last of all, the caller of an async convenience method goes on, on this thread (as an HttpClient caller
            // goes on where the response arrived): nothing of the task's own runs after this point.
            Interlocked.Exchange(ref _continueCaller, null)?.Invoke(this);
        }
    }

    /// <summary>
    /// For the async convenience methods: completes the caller's awaited result once the task has finished entirely
    /// (state, metrics, session bookkeeping), so its continuation may run inline without a thread-pool hop.
    /// </summary>
    /// <remarks>A static <paramref name="release"/> that reads the task it is given allocates nothing.</remarks>
    private protected void ContinueCallerAfterCompletion(Action<UrlSessionTask> release) => Volatile.Write(ref _continueCaller, release);
}

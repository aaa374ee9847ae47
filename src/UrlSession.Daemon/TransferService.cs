using System.Collections.Concurrent;
using UrlLoading.Background;
using UrlLoading.Security;

namespace UrlLoading.Daemon;

/// <summary>
/// Runs the daemon's transfers with the UrlSession runtime itself: one foreground session per background session,
/// download tasks that checkpoint their flushed bytes, retries with exponential backoff and jitter (or the server's
/// <c>Retry-After</c>) until the session's resource timeout, and the hand-over folder for finished files.
/// </summary>
internal sealed class TransferService : IAsyncDisposable
{
    /// <summary>Transfers that run at once, all sessions together.</summary>
    public const int GlobalConcurrency = 4;

    private static readonly TimeSpan s_maximumBackoff = TimeSpan.FromMinutes(5);

    /// <summary>The most of an upload's response body the daemon keeps for the app; beyond it the body is cut and the log says so.</summary>
    private const int MaximumResponseBody = 1024 * 1024;
    private readonly StateStore _store;
    private readonly DaemonLog _log;
    private readonly string _partialFolder;
    private readonly string _finishedFolder;
    private readonly Func<SessionKey, EventMessage, Task> _publish;
    private readonly Func<SessionKey, ChallengeParams, Task<ChallengeAnswer?>> _askApp;
    private readonly SemaphoreSlim _slots = new(GlobalConcurrency);
    private readonly SemaphoreSlim _discretionarySlots = new(1);
    private readonly ConcurrentDictionary<(SessionKey, int), TransferJob> _jobs = new();
    private readonly ConcurrentDictionary<SessionKey, UrlSession> _sessions = new();
    private readonly ConcurrentDictionary<UrlSessionTask, TransferJob> _byTask = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeSpan _backoffBase;
    private int _transferring;

    public TransferService(StateStore store, DaemonLog log, string stateFolder, Func<SessionKey, EventMessage, Task> publish,
        Func<SessionKey, ChallengeParams, Task<ChallengeAnswer?>> askApp)
    {
        _store = store;
        _askApp = askApp;
        _log = log;
        _publish = publish;
        _partialFolder = PrivateFolder.Ensure(Path.Combine(stateFolder, "partial"), BackgroundPaths.StateFolderSetting);
        _finishedFolder = PrivateFolder.Ensure(Path.Combine(stateFolder, "finished"), BackgroundPaths.StateFolderSetting);
        _backoffBase = TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("URLSESSIOND_RETRY_BASE_MS"), out int ms) && ms > 0 ? ms : 1000);
    }

    public int Active => _jobs.Count;

    /// <summary>Tasks waiting for a transfer slot (or to retry), and tasks transferring now.</summary>
    public (int Waiting, int Transferring) Queue
    {
        get
        {
            int transferring = Volatile.Read(ref _transferring);
            return (Math.Max(0, _jobs.Count - transferring), transferring);
        }
    }

    /// <summary>Bytes received and sent by every transfer, per second lately and in all.</summary>
    public TransferMeter Bytes { get; } = new();

    /// <summary>Tasks completed (their completion journaled), per second lately and in all.</summary>
    public TransferMeter Completions { get; } = new();

    /// <summary>What the transfer of a task under way has moved so far, and how fast; null when it is not transferring.</summary>
    public TransferRate? RateOf(SessionKey key, int task) =>
        _jobs.TryGetValue((key, task), out var job) && job.Meter.Total > 0 ? new TransferRate(job.Moved, job.Meter.PerSecond) : null;

    /// <summary>Deletes hand-over files no undelivered event points to (left by a crash between the move and the journal).</summary>
    public void SweepFinishedFolder()
    {
        var kept = _store.PendingLocations();
        foreach (var file in Directory.EnumerateFiles(_finishedFolder))
        {
            if (!kept.Contains(file))
                File.Delete(file);
        }
    }

    public void Start(TaskRow row)
    {
        var job = new TransferJob(this, row);
        if (_jobs.TryAdd((row.Session, row.Info.TaskIdentifier), job))
            _ = job.RunAsync();
    }

    /// <summary>Cancels a task at the app's request; false when it is not transferring (already finished or unknown).</summary>
    public bool Cancel(SessionKey key, int task, bool produceResumeData = false)
    {
        if (!_jobs.TryGetValue((key, task), out var job))
            return false;
        job.CancelByApp(produceResumeData);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        // A graceful stop keeps every transfer's bytes: each running download checkpoints as it is cancelled.
        await Task.WhenAll(_jobs.Values.Select(job => job.StopAsync()));
        foreach (var session in _sessions.Values)
            session.InvalidateAndCancel();
    }

    private UrlSession SessionFor(SessionKey key, SessionSettings settings) => _sessions.GetOrAdd(key, _ =>
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.DownloadDirectory = _partialFolder;
        configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(settings.RequestTimeoutSeconds);
        configuration.TimeoutIntervalForResource = TimeSpan.FromSeconds(settings.ResourceTimeoutSeconds);
        configuration.HttpMaximumConnectionsPerHost = settings.MaximumConnectionsPerHost;
        configuration.PartialDownloadRetention = TimeSpan.FromSeconds(Math.Max(settings.ResourceTimeoutSeconds, TimeSpan.FromDays(7).TotalSeconds));
        return new UrlSession(configuration, new DaemonDelegate(this));
    });

    /// <summary>
    /// A challenge one of the daemon's transfers met, answered by the delegate of the app that has the session open
    /// (Apple delivers background challenges to the app). No app connected, or no answer: default handling, which
    /// never weakens server trust. Client-certificate challenges stay with the daemon (no certificate is sent).
    /// </summary>
    private async ValueTask<(AuthChallengeDisposition, UrlCredential?)> AskAppAsync(SessionKey? key, int task, UrlAuthenticationChallenge challenge)
    {
        var space = challenge.ProtectionSpace;
        if (key is not { } session || space.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodClientCertificate)
            return (AuthChallengeDisposition.PerformDefaultHandling, null);
        var question = new ChallengeParams(session.Identifier, task, ChallengeWire.Describe(space), challenge.PreviousFailureCount, ChallengeWire.DescribeResponse(challenge.FailureResponse));
        var answer = await _askApp(session, question);
        var (disposition, credential) = ChallengeWire.Disposition(answer, space);
        _log.Write($"challenge {space.AuthenticationMethod.Replace("NSURLAuthenticationMethod", "", StringComparison.Ordinal)} for {space.Host}:{space.Port} ({session}#{task}): "
            + (answer is null ? "no app answered, default handling" : $"the app answered {disposition}"));
        return (disposition, credential);
    }

    private SessionKey? KeyOf(UrlSession session)
    {
        foreach (var (key, value) in _sessions)
        {
            if (value == session)
                return key;
        }
        return null;
    }

    private static bool IsTransient(UrlErrorCode code) => code is UrlErrorCode.NetworkConnectionLost or UrlErrorCode.TimedOut
        or UrlErrorCode.CannotConnectToHost or UrlErrorCode.NotConnectedToInternet or UrlErrorCode.CannotFindHost
        or UrlErrorCode.DnsLookupFailed;

    private TimeSpan Backoff(int attempt)
    {
        // Exponential with "equal jitter": half the delay fixed, half random, so retrying clients spread out.
        double exponential = Math.Min(s_maximumBackoff.TotalMilliseconds, _backoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(exponential / 2 + Random.Shared.NextDouble() * exponential / 2);
    }

    private static TimeSpan? RetryAfter(HttpUrlResponse response)
    {
        if (response.StatusCode is not (503 or 429) || response.ValueForHttpHeaderField("Retry-After") is not { } value)
            return null;
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seconds))
            return TimeSpan.FromSeconds(seconds);
        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? (at - DateTimeOffset.UtcNow) is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero
            : null;
    }

    /// <summary>One task of one background session, across attempts.</summary>
    private sealed class TransferJob(TransferService service, TaskRow row)
    {
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(service._stopping.Token);
        private readonly Lock _gate = new();
        private TaskCompletionSource<UrlError?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private UrlSessionTask? _current;
        private UrlResponse? _lastResponse;
        private readonly MemoryStream _body = new();
        private byte[]? _resume = row.ResumeData;
        private TimeSpan? _retryAfter;
        private volatile bool _cancelledByApp;
        private volatile bool _produceResumeData;
        private long _lastWritten;
        private CheckpointBudget? _checkpoints;
        private Task _running = Task.CompletedTask;

        private SessionKey Key => row.Session;
        private int Id => row.Info.TaskIdentifier;

        public SessionKey Session => row.Session;

        public int TaskIdentifier => row.Info.TaskIdentifier;

        public Task RunAsync() => _running = RunCoreAsync();

        /// <summary>
        /// The app cancelled the task. With <paramref name="produceResumeData"/>, a running download keeps its bytes
        /// and its completion carries the resume data; between attempts the last checkpoint is the resume data.
        /// </summary>
        public void CancelByApp(bool produceResumeData = false)
        {
            _produceResumeData = produceResumeData;
            _cancelledByApp = true;
            UrlSessionTask? current;
            lock (_gate)
                current = _current;
            if (produceResumeData && current is UrlSessionDownloadTask download)
                _ = download.CancelByProducingResumeDataAsync().AsTask();
            _cancel.Cancel();
            current?.Cancel();
        }

        private UrlError CancelledByApp()
        {
            var error = new UrlError(UrlErrorCode.Cancelled, null, "Cancelled by the app.");
            if (_produceResumeData && _resume is not null)
            {
                try
                {
                    error.ResumeData = ResumeData.FromBytes(_resume);
                }
                catch (UrlError)
                {
                    // An unusable checkpoint: no resume data, as when nothing had arrived.
                }
            }
            return error;
        }

        public async Task StopAsync()
        {
            UrlSessionTask? current;
            lock (_gate)
                current = _current;
            if (current is UrlSessionDownloadTask download && await download.CancelByProducingResumeDataAsync() is { } data)
                await service._store.CheckpointAsync(Key, Id, data.ToArray(), data.BytesOnDisk, data.ExpectedLength);
            current?.Cancel();
            try
            {
                await _running;
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        private async Task RunCoreAsync()
        {
            try
            {
                await TransferAsync();
            }
            catch (OperationCanceledException) when (service._stopping.IsCancellationRequested)
            {
                // The daemon stops; the task continues from its checkpoint when it starts again.
            }
            catch (Exception e)
            {
                service._log.Write($"task {Key}#{Id} failed inside the daemon: {e}");
                await CompleteAsync(new UrlError(UrlErrorCode.Unknown, null, $"urlsessiond failed: {e.Message}"));
            }
            finally
            {
                service._jobs.TryRemove((Key, Id), out _);
            }
        }

        private async Task TransferAsync()
        {
            var settings = service._store.Settings(Key) ?? throw new InvalidOperationException($"No settings for session {Key}.");
            var deadline = row.Created + TimeSpan.FromSeconds(settings.ResourceTimeoutSeconds);
            if (row.Info.State == "finished")
            {
                // The file was handed over before a crash; only the completion was missing.
                await CompleteAsync(null);
                return;
            }
            int attempt = row.Info.Attempts;
            var slots = settings.Discretionary ? service._discretionarySlots : service._slots;
            while (true)
            {
                UrlError? error;
                try
                {
                    await slots.WaitAsync(_cancel.Token);
                }
                catch (OperationCanceledException) when (_cancelledByApp)
                {
                    // Cancelled while queued for a transfer slot.
                    await CompleteAsync(CancelledByApp());
                    return;
                }
                Interlocked.Increment(ref service._transferring);
                try
                {
                    error = await AttemptAsync(settings);
                }
                finally
                {
                    Interlocked.Decrement(ref service._transferring);
                    slots.Release();
                }
                if (service._stopping.IsCancellationRequested)
                    return;
                if (_cancelledByApp)
                {
                    // The attempt's own resume data when it made some, else the last checkpoint (when asked for).
                    await CompleteAsync(error is { ResumeData: not null } ? error : CancelledByApp());
                    return;
                }
                bool retry = _retryAfter is not null || (error is not null && IsTransient(error.Code));
                if (!retry || DateTimeOffset.UtcNow >= deadline)
                {
                    await CompleteAsync(error);
                    return;
                }
                attempt++;
                _resume = _retryAfter is not null ? null : error?.ResumeData?.ToArray() ?? _resume;
                string why = _retryAfter is not null ? $"server asked to retry after {_retryAfter.Value.TotalSeconds:0.###} s" : $"{error!.Code}: {error.Message}";
                await service._store.RecordAttemptAsync(Key, Id, why, _resume);
                var delay = _retryAfter ?? service.Backoff(attempt);
                if (DateTimeOffset.UtcNow + delay > deadline)
                    delay = deadline - DateTimeOffset.UtcNow;
                service._log.Write($"task {Key}#{Id} attempt {attempt} failed ({why}); retrying in {delay.TotalSeconds:0.###} s");
                try
                {
                    await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, _cancel.Token);
                }
                catch (OperationCanceledException) when (_cancelledByApp)
                {
                    await CompleteAsync(CancelledByApp());
                    return;
                }
            }
        }

        private async Task<UrlError?> AttemptAsync(SessionSettings settings)
        {
            var session = service.SessionFor(Key, settings);
            _retryAfter = null;
            _lastResponse = null;
            _body.SetLength(0);
            _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
            UrlSessionTask task;
            ResumeData? resume = null;
            if (_resume is not null)
            {
                try
                {
                    resume = ResumeData.FromBytes(_resume);
                }
                catch (UrlError e)
                {
                    service._log.Write($"task {Key}#{Id}: checkpoint unusable ({e.Message}); starting over");
                }
            }
            var request = row.Info.Request;
            var original = new UrlRequest(new Uri(request.Url)) { HttpMethod = request.Method, Headers = request.Headers };
            if (row.Info.Kind == "upload")
            {
                // An upload starts over on each attempt: the app's file is sent whole again.
                try
                {
                    task = session.UploadTask(original, row.Info.UploadFile!);
                }
                catch (UrlError e)
                {
                    return e;
                }
            }
            else
            {
                var download = resume is not null ? session.DownloadTask(resume) : session.DownloadTask(original);
                _checkpoints = new CheckpointBudget(download, resume?.BytesOnDisk ?? 0,
                    data => service._store.CheckpointAsync(Key, Id, data.ToArray(), data.BytesOnDisk, data.ExpectedLength));
                task = download;
            }
            service._byTask[task] = this;
            lock (_gate)
                _current = task;
            if (_cancel.IsCancellationRequested)
                task.Cancel();
            task.Resume();
            try
            {
                return await _done.Task;
            }
            finally
            {
                lock (_gate)
                    _current = null;
                service._byTask.TryRemove(task, out _);
            }
        }

        /// <summary>This task's bytes per second lately.</summary>
        public TransferMeter Meter { get; } = new();

        /// <summary>What the current attempt has moved so far.</summary>
        public long Moved => Interlocked.Read(ref _lastWritten);

        public async ValueTask OnProgressAsync(long written, long total, long expected)
        {
            _checkpoints?.OnProgress(total);
            if (total - Interlocked.Exchange(ref _lastWritten, total) is var step && step <= 0)
                return;
            Meter.Add(step);
            service.Bytes.Add(step);
            var message = new EventMessage(Key.Identifier, 0, Id, EventKinds.Progress, written, total, expected, null, null, 0, null, null);
            await service._publish(Key, message);
        }

        public void OnResponseBody(ReadOnlyMemory<byte> data)
        {
            int room = MaximumResponseBody - (int)_body.Length;
            if (data.Length > room)
                service._log.Write($"task {Key}#{Id}: the response body is longer than {MaximumResponseBody} bytes; the app receives the first {MaximumResponseBody}");
            _body.Write(data.Span[..Math.Min(room, data.Length)]);
        }

        public async ValueTask OnFinishedAsync(UrlSessionDownloadTask task, string location)
        {
            if (task.Response is HttpUrlResponse http && RetryAfter(http) is { } wait)
            {
                _retryAfter = wait;
                return;
            }
            string handedOver = Path.Combine(service._finishedFolder, $"{Guid.NewGuid():N}.download");
            File.Move(location, handedOver);
            var message = new EventMessage(Key.Identifier, 0, Id, EventKinds.Finished, 0, task.CountOfBytesReceived, task.CountOfBytesExpectedToReceive,
                handedOver, ChallengeWire.DescribeResponse(task.Response), 0, null, null);
            long seq = await service._store.JournalAsync(Key, Id, EventKinds.Finished, message, "finished");
            service._log.Write($"task {Key}#{Id} finished: {task.CountOfBytesReceived} bytes, status {(task.Response as HttpUrlResponse)?.StatusCode}");
            await service._publish(Key, message with { Sequence = seq });
        }

        public void OnCompleted(UrlSessionTask task, UrlError? error)
        {
            _lastResponse = task.Response;
            if (error is null && task is UrlSessionUploadTask && task.Response is HttpUrlResponse http && RetryAfter(http) is { } wait)
                _retryAfter = wait;
            _done.TrySetResult(error);
        }

        private async Task CompleteAsync(UrlError? error)
        {
            string? resume = error?.ResumeData is { } data ? Convert.ToBase64String(data.ToArray()) : null;
            var current = service._store.Task(Key, Id);
            string? body = _body.Length > 0 ? Convert.ToBase64String(_body.GetBuffer(), 0, (int)_body.Length) : null;
            var message = new EventMessage(Key.Identifier, 0, Id, EventKinds.Completed, 0, current?.Info.BytesReceived ?? 0, current?.Info.BytesExpected ?? -1,
                null, ChallengeWire.DescribeResponse(_lastResponse), error is null ? 0 : (int)error.Code, error?.Message, resume, body);
            long seq = await service._store.JournalAsync(Key, Id, EventKinds.Completed, message, "completed");
            service.Completions.Add(1);
            service._log.Write($"task {Key}#{Id} completed: {(error is null ? "ok" : $"{error.Code} {error.Message}")}");
            await service._publish(Key, message with { Sequence = seq });
        }
    }

    /// <summary>The daemon's own delegate: progress, the file hand-over and completion of every transfer.</summary>
    private sealed class DaemonDelegate(TransferService service) : IUrlSessionDelegate
    {
        public UrlSessionCallbacks Callbacks => UrlSessionCallbacks.DidWriteData | UrlSessionCallbacks.DidFinishDownloading | UrlSessionCallbacks.DidCompleteWithError
            | UrlSessionCallbacks.DidSendBodyData | UrlSessionCallbacks.DidReceiveData | UrlSessionCallbacks.DidReceiveTaskChallenge | UrlSessionCallbacks.DidReceiveSessionChallenge;

        public ValueTask<(AuthChallengeDisposition Disposition, UrlCredential? Credential)> DidReceiveChallenge(UrlSession session, UrlSessionTask task, UrlAuthenticationChallenge challenge) =>
            service._byTask.TryGetValue(task, out var job)
                ? service.AskAppAsync(job.Session, job.TaskIdentifier, challenge)
                : new((AuthChallengeDisposition.PerformDefaultHandling, null));

        public ValueTask<(AuthChallengeDisposition Disposition, UrlCredential? Credential)> DidReceiveChallenge(UrlSession session, UrlAuthenticationChallenge challenge) =>
            service.AskAppAsync(service.KeyOf(session), 0, challenge);

        public ValueTask DidSendBodyData(UrlSession session, UrlSessionTask task, long bytesSent, long totalBytesSent, long totalBytesExpectedToSend) =>
            service._byTask.TryGetValue(task, out var job) ? job.OnProgressAsync(bytesSent, totalBytesSent, totalBytesExpectedToSend) : default;

        public ValueTask DidReceiveData(UrlSession session, UrlSessionDataTask task, ReadOnlyMemory<byte> data)
        {
            if (service._byTask.TryGetValue(task, out var job))
                job.OnResponseBody(data);
            return default;
        }

        public ValueTask DidWriteData(UrlSession session, UrlSessionDownloadTask task, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite) =>
            service._byTask.TryGetValue(task, out var job) ? job.OnProgressAsync(bytesWritten, totalBytesWritten, totalBytesExpectedToWrite) : default;

        public ValueTask DidFinishDownloading(UrlSession session, UrlSessionDownloadTask task, string location) =>
            service._byTask.TryGetValue(task, out var job) ? job.OnFinishedAsync(task, location) : default;

        public ValueTask DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error)
        {
            if (service._byTask.TryGetValue(task, out var job))
                job.OnCompleted(task, error);
            return default;
        }
    }
}

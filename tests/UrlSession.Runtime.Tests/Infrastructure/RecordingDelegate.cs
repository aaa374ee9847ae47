using System.Collections.Concurrent;

namespace UrlLoading.Tests.Infrastructure;

/// <summary>
/// A generated delegate that records every callback it receives, in order, and lets a test choose each answer.
/// Awaiting <see cref="CompletionOf"/> waits for a task's last message without sleeping.
/// </summary>
[UrlSessionDelegate]
public sealed partial class RecordingDelegate
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource<UrlError?>> _completions = new();
    private readonly TaskCompletionSource _invalidated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _events = [];
    private int _inFlight;

    public Func<UrlSessionDataTask, UrlResponse, ValueTask<ResponseDisposition>> OnResponse { get; set; } = (_, _) => new(ResponseDisposition.Allow);

    public Func<HttpUrlResponse, UrlRequest, UrlRequest?> OnRedirect { get; set; } = (_, next) => next;

    public Func<UrlAuthenticationChallenge, (AuthChallengeDisposition, UrlCredential?)> OnChallenge { get; set; } =
        _ => (AuthChallengeDisposition.PerformDefaultHandling, null);

    public Func<UrlSessionDataTask, ReadOnlyMemory<byte>, ValueTask> OnData { get; set; } = (_, _) => default;

    public List<UrlAuthenticationChallenge> Challenges { get; } = [];

    public MemoryStream Body { get; } = new();

    public int MaxConcurrentCallbacks { get; private set; }

    public Task Invalidated => _invalidated.Task;

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_events)
                return [.. _events];
        }
    }

    public Task<UrlError?> CompletionOf(UrlSessionTask task) => CompletionOf(task.TaskIdentifier);

    /// <summary>For tasks a test never holds, such as those an HttpClient handler creates.</summary>
    public Task<UrlError?> CompletionOf(int taskIdentifier) =>
        _completions.GetOrAdd(taskIdentifier, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>The events of one task, without the task prefix.</summary>
    public IReadOnlyList<string> EventsOf(UrlSessionTask task) =>
        [.. Events.Where(e => e.StartsWith($"{task.TaskIdentifier}:", StringComparison.Ordinal)).Select(e => e[(e.IndexOf(':') + 1)..])];

    private void Record(string e)
    {
        lock (_events)
            _events.Add(e);
    }

    private async ValueTask<ResponseDisposition> DidReceiveResponse(UrlSessionDataTask task, UrlResponse response)
    {
        using var _ = Enter();
        Record($"{task.TaskIdentifier}:response {((HttpUrlResponse)response).StatusCode}");
        return await OnResponse(task, response);
    }

    private async ValueTask DidReceiveData(UrlSessionDataTask task, ReadOnlyMemory<byte> data)
    {
        using var _ = Enter();
        lock (_events)
        {
            if (_events.Count == 0 || _events[^1] != $"{task.TaskIdentifier}:data")
                _events.Add($"{task.TaskIdentifier}:data");
        }
        Body.Write(data.Span);
        await OnData(task, data);
    }

    private UrlRequest? WillPerformHttpRedirection(UrlSessionTask task, HttpUrlResponse response, UrlRequest newRequest)
    {
        using var _ = Enter();
        Record($"{task.TaskIdentifier}:redirect {response.StatusCode} {newRequest.HttpMethod} {newRequest.Url.PathAndQuery}");
        return OnRedirect(response, newRequest);
    }

    private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
    {
        using var _ = Enter();
        Record($"{task.TaskIdentifier}:challenge {challenge.ProtectionSpace.Realm} {challenge.PreviousFailureCount}");
        lock (Challenges)
            Challenges.Add(challenge);
        return OnChallenge(challenge);
    }

    private void DidFinishCollectingMetrics(UrlSessionTask task, UrlSessionTaskMetrics metrics)
    {
        using var _ = Enter();
        Record($"{task.TaskIdentifier}:metrics {metrics.TransactionMetrics.Count}");
    }

    private void DidCompleteWithError(UrlSessionTask task, UrlError? error)
    {
        using var _ = Enter();
        Record($"{task.TaskIdentifier}:complete {(error is null ? "ok" : error.Code.ToString())}");
        if (!_completions.GetOrAdd(task.TaskIdentifier, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(error))
            Record($"{task.TaskIdentifier}:DUPLICATE COMPLETION");
    }

    private void DidBecomeInvalid()
    {
        Record("invalid");
        _invalidated.TrySetResult();
    }

    private InFlight Enter()
    {
        int now = Interlocked.Increment(ref _inFlight);
        if (now > MaxConcurrentCallbacks)
            MaxConcurrentCallbacks = now;
        return new InFlight(this);
    }

    private readonly struct InFlight(RecordingDelegate owner) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref owner._inFlight);
    }
}

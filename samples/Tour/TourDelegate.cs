using UrlLoading;

namespace Tour;

/// <summary>A delegate that prints each callback it receives; the generator implements IUrlSessionDelegate for it.</summary>
[UrlSessionDelegate]
internal sealed partial class TourDelegate
{
    private readonly TaskCompletionSource _sessionInvalid = new();

    public Task SessionInvalid => _sessionInvalid.Task;

    public Dictionary<int, TaskCompletionSource<UrlError?>> Completions { get; } = [];

    private ResponseDisposition DidReceiveResponse(UrlSessionDataTask task, UrlResponse response)
    {
        var http = (HttpUrlResponse)response;
        Console.WriteLine($"  [task {task.TaskIdentifier}] DidReceiveResponse      {http.StatusCode} {http.MimeType}, {http.ExpectedContentLength} bytes expected");
        return ResponseDisposition.Allow;
    }

    private void DidReceiveData(UrlSessionDataTask task, ReadOnlyMemory<byte> data) =>
        Console.WriteLine($"  [task {task.TaskIdentifier}] DidReceiveData          {data.Length} bytes (total {task.CountOfBytesReceived})");

    private UrlRequest? WillPerformHttpRedirection(HttpUrlResponse response, UrlRequest newRequest)
    {
        Console.WriteLine($"  WillPerformHttpRedirection  {response.StatusCode} -> {newRequest.Url.AbsolutePath}");
        return newRequest;
    }

    private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
    {
        var space = challenge.ProtectionSpace;
        Console.WriteLine($"  DidReceiveChallenge         {space.AuthenticationMethod} for {space.Host}:{space.Port}, realm \"{space.Realm}\", {challenge.PreviousFailureCount} failure(s) so far -> UseCredential");
        return (AuthChallengeDisposition.UseCredential, new UrlCredential("tour", "guide"));
    }

    private void DidFinishCollectingMetrics(UrlSessionTask task, UrlSessionTaskMetrics metrics) =>
        Console.WriteLine($"  [task {task.TaskIdentifier}] DidFinishCollectingMetrics {metrics.TransactionMetrics.Count} exchange(s), {metrics.RedirectCount} redirect(s)");

    private void DidCompleteWithError(UrlSessionTask task, UrlError? error)
    {
        Console.WriteLine($"  [task {task.TaskIdentifier}] DidCompleteWithError    {(error is null ? "success" : $"{error.Code} ({(int)error.Code})")}");
        if (Completions.TryGetValue(task.TaskIdentifier, out var done))
            done.SetResult(error);
    }

    private void DidBecomeInvalid(Exception? error)
    {
        Console.WriteLine("  DidBecomeInvalid            the session released its delegate");
        _sessionInvalid.SetResult();
    }

    public Task<UrlError?> Track(UrlSessionTask task)
    {
        var done = new TaskCompletionSource<UrlError?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Completions[task.TaskIdentifier] = done;
        return done.Task;
    }
}

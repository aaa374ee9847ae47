namespace UrlLoading;

/// <summary>A task that saves the response body to a temporary file (Apple's <c>URLSessionDownloadTask</c>).</summary>
public class UrlSessionDownloadTask : UrlSessionTask
{
    private protected UrlSessionDownloadTask(UrlSession session, int identifier, UrlRequest request)
        : base(session, identifier, request)
    {
    }

    private protected override bool DeliversToDelegate => true;

    private protected override System.Threading.Tasks.Task TransferAsync(Transfer.TransferClock clock, MetricsRecorder metrics) =>
        throw new UrlError(UrlErrorCode.Unknown, CurrentRequest.Url, "Download tasks are not available in this release.");

    private protected override System.Threading.Tasks.ValueTask DeliverCompletionAsync(UrlError? error) =>
        Session.DidCompleteWithErrorAsync(this, error);
}

namespace UrlLoading.Tests.Downloads;

/// <summary>A generated download delegate that records progress and what it found at the temporary location.</summary>
[UrlSessionDelegate]
public sealed partial class DownloadRecorder
{
    public List<string> Events { get; } = [];

    public List<(long Written, long Total, long Expected)> Progress { get; } = [];

    public byte[]? BytesAtLocation { get; private set; }

    public string? Location { get; private set; }

    public string? MoveTo { get; set; }

    public int StatusCode { get; private set; }

    public TaskCompletionSource<UrlError?> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void DidWriteData(UrlSessionDownloadTask task, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite)
    {
        if (Events.Count == 0 || Events[^1] != "write")
            Events.Add("write");
        Progress.Add((bytesWritten, totalBytesWritten, totalBytesExpectedToWrite));
    }

    private void DidFinishDownloading(UrlSessionDownloadTask task, string location)
    {
        Events.Add("finish");
        Location = location;
        BytesAtLocation = File.ReadAllBytes(location);
        StatusCode = (task.Response as HttpUrlResponse)?.StatusCode ?? 0;
        if (MoveTo is not null)
            File.Move(location, MoveTo);
    }

    private void DidFinishCollectingMetrics(UrlSessionTaskMetrics metrics) => Events.Add("metrics");

    private void DidCompleteWithError(UrlError? error)
    {
        Events.Add(error is null ? "complete ok" : $"complete {error.Code}");
        Completed.TrySetResult(error);
    }
}

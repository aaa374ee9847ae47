using UrlLoading;

namespace Fetch;

/// <summary>Moves the finished download to the output file and draws progress.</summary>
[UrlSessionDelegate]
internal sealed partial class FetchDelegate(string output)
{
    private readonly ProgressLine _progress = new();

    public TaskCompletionSource<UrlError?> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int StatusCode { get; private set; }

    private void DidResumeAtOffset(long fileOffset, long expectedTotalBytes) =>
        Console.Error.WriteLine(fileOffset > 0 ? $"resuming at byte {fileOffset:N0}" : "the server cannot continue this file; starting over");

    private void DidWriteData(long totalBytesWritten, long totalBytesExpectedToWrite) =>
        _progress.Draw("downloading", totalBytesWritten, totalBytesExpectedToWrite);

    private void DidSendBodyData(long totalBytesSent, long totalBytesExpectedToSend) =>
        _progress.Draw("uploading", totalBytesSent, totalBytesExpectedToSend);

    private void DidFinishDownloading(UrlSessionDownloadTask task, string location)
    {
        File.Move(location, output, overwrite: true);
        StatusCode = (task.Response as HttpUrlResponse)?.StatusCode ?? 0;
        _progress.Draw("downloading", new FileInfo(output).Length, new FileInfo(output).Length, force: true);
    }

    private void DidCompleteWithError(UrlError? error)
    {
        ProgressLine.Finish();
        Completed.TrySetResult(error);
    }
}

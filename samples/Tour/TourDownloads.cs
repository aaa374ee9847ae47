using System.Security.Cryptography;
using UrlLoading;

namespace Tour;

/// <summary>The tour's download delegate: prints progress, resumes, and hashes the finished file before it is deleted.</summary>
[UrlSessionDelegate]
internal sealed partial class TourDownloads
{
    public TaskCompletionSource Progressing { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void DidResumeAtOffset(long fileOffset, long expectedTotalBytes) =>
        Console.WriteLine($"  DidResumeAtOffset           continuing at {fileOffset:N0} of {expectedTotalBytes:N0} bytes");

    private void DidWriteData(long totalBytesWritten, long totalBytesExpectedToWrite)
    {
        Console.WriteLine($"  DidWriteData                {totalBytesWritten,9:N0} / {totalBytesExpectedToWrite:N0} bytes");
        if (totalBytesWritten >= totalBytesExpectedToWrite / 4)
            Progressing.TrySetResult();
    }

    private void DidFinishDownloading(string location)
    {
        var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(location)))[..16];
        Console.WriteLine($"  DidFinishDownloading        {new FileInfo(location).Length:N0} bytes, sha256 {hash}…, deleted when this returns");
    }

    private void DidCompleteWithError(UrlSessionTask task, UrlError? error)
    {
        Console.WriteLine($"  [task {task.TaskIdentifier}] DidCompleteWithError    {(error is null ? "success" : error.Code.ToString())}");
        if (error is null)
            Finished.TrySetResult();
    }
}

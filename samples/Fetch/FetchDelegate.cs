using UrlLoading;

namespace Fetch;

/// <summary>Moves the finished download to the output file and draws progress.</summary>
[UrlSessionDelegate]
internal sealed partial class FetchDelegate(string? output)
{
    private readonly ProgressLine _progress = new();

    public TaskCompletionSource<UrlError?> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int StatusCode { get; private set; }

    public TaskCompletionSource EventsDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The --user credential: offered once to whichever scheme the server asks for (Basic, Digest, NTLM, Negotiate).</summary>
    public UrlCredential? Credential { get; set; }

    private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
    {
        // Refused once: stop, rather than lock the account with the same wrong password.
        if (Credential is null || challenge.PreviousFailureCount > 0)
            return (AuthChallengeDisposition.PerformDefaultHandling, null);
        Console.Error.WriteLine($"{challenge.ProtectionSpace.Host} asks for {challenge.ProtectionSpace.AuthenticationMethod.Replace("NSURLAuthenticationMethod", "", StringComparison.Ordinal)}; answering as {Credential.User}");
        return (AuthChallengeDisposition.UseCredential, Credential);
    }

    private void DidResumeAtOffset(long fileOffset, long expectedTotalBytes) =>
        Console.Error.WriteLine(fileOffset > 0 ? $"resuming at byte {fileOffset:N0}" : "the server cannot continue this file; starting over");

    private void DidWriteData(long totalBytesWritten, long totalBytesExpectedToWrite) =>
        _progress.Draw("downloading", totalBytesWritten, totalBytesExpectedToWrite);

    private void DidSendBodyData(long totalBytesSent, long totalBytesExpectedToSend) =>
        _progress.Draw("uploading", totalBytesSent, totalBytesExpectedToSend);

    private void DidFinishDownloading(UrlSessionDownloadTask task, string location)
    {
        // A background download collected later carries its destination in its description.
        string destination = task.TaskDescription ?? output!;
        StatusCode = (task.Response as HttpUrlResponse)?.StatusCode ?? 0;
        // An error page is not the file that was asked for: it is not saved (the session deletes it).
        if (StatusCode is < 200 or > 299)
        {
            Console.Error.WriteLine($"#{task.TaskIdentifier} {StatusCode}: nothing saved to {destination}");
            return;
        }
        File.Move(location, destination, overwrite: true);
        if (output is null)
            Console.Error.WriteLine($"#{task.TaskIdentifier} {StatusCode} -> {destination}");
        else
            _progress.Draw("downloading", new FileInfo(destination).Length, new FileInfo(destination).Length, force: true);
    }

    private void DidFinishEventsForBackgroundSession() => EventsDone.TrySetResult();

    private void DidCompleteWithError(UrlError? error)
    {
        ProgressLine.Finish();
        Completed.TrySetResult(error);
    }
}

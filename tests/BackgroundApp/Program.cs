using UrlLoading;

// BackgroundApp start URL DESCRIPTION [--wait]   start a background download; exit at once (or wait for it)
// BackgroundApp upload URL FILE DESCRIPTION     start a background upload of FILE; exit at once
// BackgroundApp attach DESTINATION_FOLDER         re-create the session, take the missed events, exit after them
// BackgroundApp launched DESTINATION_FOLDER       as attach, for a process started by urlsessiond
// BackgroundApp cancel-resume URL DESTINATION_FOLDER
//                                                 start a download, cancel it with resume data past 1 MB, resume it
// BackgroundApp bulk URL COUNT EXIT_AFTER DESTINATION_FOLDER
//                                                 start COUNT downloads, return from Main after EXIT_AFTER completions
// BackgroundApp attach-all DESTINATION_FOLDER     re-create the session, exit once every held task has completed
// BACKGROUND_APP_CREDENTIAL=user:password answers the tasks' authentication challenges; BACKGROUND_APP_PIN=SHA256HEX
// accepts a server certificate with that fingerprint (other certificates get default handling).
// Every line it prints is an event the tests read.
const string Identifier = "tests.background.downloads";
var mode = args.ElementAtOrDefault(0);
var recorder = new Recorder(args.ElementAtOrDefault(mode switch { "start" or "upload" => 99, "cancel-resume" => 2, "bulk" => 4, _ => 1 })) { PrintProgress = mode == "progress" };
var configuration = UrlSessionConfiguration.Background(Identifier);
if (Environment.GetEnvironmentVariable("BACKGROUND_APP_LAUNCH_COMMAND") is { } launch)
    configuration.BackgroundLaunchCommand = launch;
UrlSession session;
try
{
    session = new UrlSession(configuration, recorder);
}
catch (UrlError e)
{
    Console.WriteLine($"refused {(int)e.Code} {e.Message}");
    return 4;
}
var held = await session.GetAllTasksAsync();
foreach (var task in held)
    Console.WriteLine($"held #{task.TaskIdentifier} {task.TaskDescription}");

switch (mode)
{
    case "start":
    {
        var task = session.DownloadTask(new Uri(args[1]));
        task.TaskDescription = args[2];
        task.Resume();
        await session.FlushAsync();
        Console.WriteLine($"started #{task.TaskIdentifier}");
        if (args.Contains("--wait"))
            await recorder.Completed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return 0;
    }
    case "upload":
    {
        var request = new UrlRequest(new Uri(args[1])) { HttpMethod = "POST" }.WithHeader("Content-Type", "application/octet-stream");
        var task = session.UploadTask(request, args[2]);
        task.TaskDescription = args[3];
        task.Resume();
        await session.FlushAsync();
        Console.WriteLine($"started #{task.TaskIdentifier}");
        return 0;
    }
    case "attach" or "launched":
        if (mode == "launched")
            Console.WriteLine($"launch {UrlSessionBackgroundLaunch.Current?.SessionIdentifier}");
        if (held.Count == 0)
        {
            Console.WriteLine("nothing held");
            return 0;
        }
        await recorder.EventsDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
        UrlSessionBackgroundLaunch.Current?.CompletionHandler();
        return 0;
    case "progress":
        // Only where each transfer stands: the replay starts with a progress summary.
        await recorder.FirstProgress.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return 0;
    case "cancel-resume":
    {
        var task = session.DownloadTask(new Uri(args[1]));
        task.TaskDescription = "first";
        task.Resume();
        await session.FlushAsync();
        await recorder.PastOneMegabyte.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var resumeData = await task.CancelByProducingResumeDataAsync();
        Console.WriteLine(resumeData is null ? "no resume data" : $"resume data at {resumeData.BytesOnDisk}");
        if (resumeData is null)
            return 3;
        var resumed = session.DownloadTask(resumeData);
        resumed.TaskDescription = "resumed";
        resumed.Resume();
        await session.FlushAsync();
        await recorder.Completions.WaitAsync(TimeSpan.FromSeconds(60));
        await recorder.Completions.WaitAsync(TimeSpan.FromSeconds(60));
        return 0;
    }
    case "bulk":
    {
        var url = new Uri(args[1]);
        int count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        int exitAfter = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        for (int i = 0; i < count; i++)
        {
            var task = session.DownloadTask(url);
            task.TaskDescription = $"bulk-{i}";
            task.Resume();
        }
        await session.FlushAsync();
        Console.WriteLine($"started {count}");
        // Returning from Main with events still arriving is the point: the rest belongs to the next process.
        return await recorder.WaitForCompletionsAsync(exitAfter, TimeSpan.FromSeconds(120)) ? 0 : 5;
    }
    case "attach-all":
        return await recorder.WaitForCompletionsAsync(held.Count, TimeSpan.FromSeconds(120)) ? 0 : 5;
    case "hold":
        Console.WriteLine("holding");
        await Task.Delay(TimeSpan.FromSeconds(60));
        return 0;
    default:
        Console.Error.WriteLine("usage: BackgroundApp start URL DESCRIPTION [--wait] | attach FOLDER | launched FOLDER | hold");
        return 2;
}

[UrlSessionDelegate]
internal sealed partial class Recorder(string? destination)
{
    public TaskCompletionSource Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource EventsDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource FirstProgress { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool PrintProgress { get; init; }

    public TaskCompletionSource PastOneMegabyte { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Released once per completed task.</summary>
    public SemaphoreSlim Completions { get; } = new(0);

    /// <summary>Waits for <paramref name="count"/> completions, each within <paramref name="patience"/>; false when one did not come.</summary>
    public async Task<bool> WaitForCompletionsAsync(int count, TimeSpan patience)
    {
        for (int i = 0; i < count; i++)
        {
            if (!await Completions.WaitAsync(patience))
                return false;
        }
        return true;
    }

    private void DidWriteData(UrlSessionDownloadTask task, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite)
    {
        if (totalBytesWritten >= 1_000_000)
            PastOneMegabyte.TrySetResult();
        if (!PrintProgress)
            return;
        Console.WriteLine($"progress #{task.TaskIdentifier} {totalBytesWritten}/{totalBytesExpectedToWrite} ({task.CountOfBytesReceived})");
        FirstProgress.TrySetResult();
    }

    private void DidFinishDownloading(UrlSessionDownloadTask task, string location)
    {
        long length = new FileInfo(location).Length;
        // The tests keep every body, error pages included, to compare bytes; the status is printed below.
        int? status = (task.Response as HttpUrlResponse)?.StatusCode;
        if (destination is not null && status is not null)
            File.Move(location, Path.Combine(destination, $"{task.TaskIdentifier}.bin"), overwrite: true);
        Console.WriteLine($"finished #{task.TaskIdentifier} {task.TaskDescription} {length} {(task.Response as HttpUrlResponse)?.StatusCode}");
    }

    private void DidReceiveData(UrlSessionDataTask task, ReadOnlyMemory<byte> data) =>
        Console.WriteLine($"data #{task.TaskIdentifier} {System.Text.Encoding.UTF8.GetString(data.Span)}");

    private void DidCompleteWithError(UrlSessionTask task, UrlError? error)
    {
        string status = task.Response is HttpUrlResponse { StatusCode: var code } && task is UrlSessionUploadTask ? $" {code}" : "";
        Console.WriteLine($"complete #{task.TaskIdentifier} {(error is null ? "ok" : ((int)error.Code).ToString(System.Globalization.CultureInfo.InvariantCulture))}{status}");
        Completed.TrySetResult();
        Completions.Release();
    }

    private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
    {
        var space = challenge.ProtectionSpace;
        Console.WriteLine($"challenge #{task.TaskIdentifier} {space.AuthenticationMethod} {space.Realm} {challenge.PreviousFailureCount}");
        return Environment.GetEnvironmentVariable("BACKGROUND_APP_CREDENTIAL") is { } pair && pair.IndexOf(':') is > 0 and var colon
            ? (AuthChallengeDisposition.UseCredential, new UrlCredential(pair[..colon], pair[(colon + 1)..]))
            : (AuthChallengeDisposition.PerformDefaultHandling, null);
    }

    private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge)
    {
        if (challenge.ProtectionSpace.ServerTrust is not { } trust)
            return (AuthChallengeDisposition.PerformDefaultHandling, null);
        bool pinned = trust.Sha256Fingerprint == Environment.GetEnvironmentVariable("BACKGROUND_APP_PIN");
        Console.WriteLine($"trust {trust.Host} {(pinned ? "pinned" : "default")}");
        return pinned ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust)) : (AuthChallengeDisposition.PerformDefaultHandling, null);
    }

    private void DidFinishEventsForBackgroundSession()
    {
        Console.WriteLine("events done");
        EventsDone.TrySetResult();
    }
}

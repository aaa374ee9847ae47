using System.Diagnostics;
using UrlLoading;

namespace Tour;

/// <summary>
/// Step 9: a background download that outlives the process that asked for it. The tour runs its own private
/// urlsessiond, a second process of the tour starts the download and exits, and this process then re-creates the
/// session and receives the file it missed.
/// </summary>
internal static class TourBackground
{
    public const string HelperArgument = "--background-app";
    private const string Identifier = "tour.background";

    /// <summary>The short-lived "app": hands the download to urlsessiond and exits.</summary>
    public static async Task<int> StartAndExitAsync(Uri url)
    {
        var session = Open(new BackgroundEvents());
        var task = session.DownloadTask(url);
        task.TaskDescription = "quarterly report";
        task.Resume();
        await session.FlushAsync();
        Console.WriteLine($"  [other process] started task #{task.TaskIdentifier} and exits now");
        return 0;
    }

    public static async Task RunAsync(Uri baseUrl)
    {
        // A private daemon for the tour (socket and state in a temp folder), so the tour leaves nothing behind.
        string home = Directory.CreateTempSubdirectory("urlsession-tour-").FullName;
        Environment.SetEnvironmentVariable("URLSESSIOND_RUNTIME_DIR", Path.Combine(home, "run"));
        Environment.SetEnvironmentVariable("URLSESSIOND_STATE_DIR", Path.Combine(home, "state"));
        Environment.SetEnvironmentVariable("URLSESSIOND_PATH", DaemonPath());
        Environment.SetEnvironmentVariable("URLSESSION_APP_ID", "Tour");
        using var daemon = Run(DaemonPath(), "run", "--background");
        try
        {
            string socket = Path.Combine(home, "run", "urlsessiond.sock");
            for (int i = 0; i < 400 && !File.Exists(socket); i++)
                await Task.Delay(25);
            using (var app = Run(typeof(TourBackground).Assembly.Location, HelperArgument, new Uri(baseUrl, "/report.pdf").AbsoluteUri))
            {
                Console.Write(await app.StandardOutput.ReadToEndAsync());
                await app.WaitForExitAsync();
            }
            // The app is gone; the daemon finishes on its own. Its command line shows the events waiting (bounded wait).
            string listing = "";
            for (int i = 0; i < 100 && !listing.Contains("2 undelivered", StringComparison.Ordinal); i++)
            {
                using var list = Run(DaemonPath(), "list");
                listing = await list.StandardOutput.ReadToEndAsync();
                await list.WaitForExitAsync();
            }
            foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Console.WriteLine($"  urlsessiond list: {line.Trim()}");
            var events = new BackgroundEvents();
            var session = Open(events);
            foreach (var task in await session.GetAllTasksAsync())
                Console.WriteLine($"  re-created the session; the daemon still holds task #{task.TaskIdentifier} \"{task.TaskDescription}\"");
            await events.Done.Task.WaitAsync(TimeSpan.FromSeconds(60));
            session.InvalidateAndCancel();
        }
        finally
        {
            daemon.Kill();
            await daemon.WaitForExitAsync();
            Directory.Delete(home, recursive: true);
        }
    }

    private static UrlSession Open(BackgroundEvents events) => new(UrlSessionConfiguration.Background(Identifier), events);

    private static string DaemonPath()
    {
        // samples/Tour/bin/CONFIG/net10.0 -> src/UrlSession.Daemon/bin/CONFIG/net10.0 (the tour's project builds it).
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = output.Parent!.Name;
        string root = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Environment.GetEnvironmentVariable("URLSESSIOND_PATH") is { Length: > 0 } set ? set
            : Path.Combine(root, "src", "UrlSession.Daemon", "bin", configuration, "net10.0", "urlsessiond.dll");
    }

    private static Process Run(string dll, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }
}

/// <summary>What the re-created background session receives.</summary>
[UrlSessionDelegate]
internal sealed partial class BackgroundEvents
{
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void DidFinishDownloading(UrlSessionDownloadTask task, string location) =>
        Console.WriteLine($"  DidFinishDownloading        #{task.TaskIdentifier} \"{task.TaskDescription}\": {new FileInfo(location).Length:N0} bytes, handed over by urlsessiond");

    private void DidCompleteWithError(UrlSessionTask task, UrlError? error) =>
        Console.WriteLine($"  DidCompleteWithError        #{task.TaskIdentifier} {(error is null ? "success" : error.Code.ToString())}");

    private void DidFinishEventsForBackgroundSession()
    {
        Console.WriteLine("  DidFinishEventsForBackgroundSession: every missed event delivered, once");
        Done.TrySetResult();
    }
}

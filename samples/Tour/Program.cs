using System.Text;
using Tour;
using UrlLoading;

if (args is [TourBackground.HelperArgument, var backgroundUrl])
    return await TourBackground.StartAndExitAsync(new Uri(backgroundUrl));

await using var server = await TourServer.StartAsync();
var baseUrl = server.BaseAddress();
Console.WriteLine($"UrlSession for .NET: a tour, against a loopback server at {baseUrl}");

// 1. A session with a delegate. The generator binds TourDelegate's methods at compile time.
Console.WriteLine();
Console.WriteLine("1. A data task reporting to a delegate");
var tour = new TourDelegate();
var configuration = UrlSessionConfiguration.Ephemeral;
configuration.HttpAdditionalHeaders["X-Tour"] = "1";
var session = new UrlSession(configuration, tour);
var streamed = session.DataTask(new Uri(baseUrl, "/stream"));
var streamedDone = tour.Track(streamed);
streamed.Resume();
await streamedDone;

// 2. A completion handler: the body arrives at once, on the delegate queue.
Console.WriteLine();
Console.WriteLine("2. A data task with a completion handler");
var handled = new TaskCompletionSource();
session.DataTask(new Uri(baseUrl, "/hello"), (data, response, error) =>
{
    Console.WriteLine($"  completion handler: {((HttpUrlResponse)response!).StatusCode} \"{Encoding.UTF8.GetString(data!)}\"");
    handled.SetResult();
}).Resume();
await handled.Task;

// 3. async/await.
Console.WriteLine();
Console.WriteLine("3. await session.DataAsync");
var (body, reply) = await session.DataAsync(new Uri(baseUrl, "/hello"));
Console.WriteLine($"  {((HttpUrlResponse)reply).StatusCode}: \"{Encoding.UTF8.GetString(body)}\"");

// 4. A redirect, which the delegate sees and may change or refuse.
Console.WriteLine();
Console.WriteLine("4. A redirect");
var (redirected, final) = await session.DataAsync(new Uri(baseUrl, "/old-place"));
Console.WriteLine($"  landed on {final.Url.AbsolutePath}: \"{Encoding.UTF8.GetString(redirected)}\"");

// 5. Cookies: the session's own cookie storage keeps what the server sets.
Console.WriteLine();
Console.WriteLine("5. Cookies kept by the session");
await session.DataAsync(new Uri(baseUrl, "/cookie"));
var (echo, _) = await session.DataAsync(new Uri(baseUrl, "/whoami"));
Console.WriteLine($"  server saw: {Encoding.UTF8.GetString(echo)}");

// 5b. The session's cache (RFC 9111): a fresh response comes from memory; a no-cache one is revalidated with its ETag.
Console.WriteLine();
Console.WriteLine("5b. The cache");
for (int i = 0; i < 2; i++)
{
    var (logo, logoResponse) = await session.DataAsync(new Uri(baseUrl, "/logo"));
    Console.WriteLine($"  /logo: \"{Encoding.UTF8.GetString(logo)}\"{(((HttpUrlResponse)logoResponse).ValueForHttpHeaderField("Age") is { } age ? $" (from the cache, Age {age})" : "")}");
}
for (int i = 0; i < 2; i++)
{
    var (news, newsResponse) = await session.DataAsync(new Uri(baseUrl, "/news"));
    Console.WriteLine($"  /news: \"{Encoding.UTF8.GetString(news)}\", the server has now seen {((HttpUrlResponse)newsResponse).ValueForHttpHeaderField("X-Server-Requests")} request(s){(i == 1 ? ": it answered 304, the body came from the cache" : "")}");
}

// 5c. A credential challenge: the server asks, the delegate answers, the task retries with the credential.
Console.WriteLine();
Console.WriteLine("5c. A credential challenge");
var (secret, _) = await session.DataAsync(new Uri(baseUrl, "/private"));
Console.WriteLine($"  got \"{Encoding.UTF8.GetString(secret)}\"");

// 5d. A server whose certificate nobody trusts: without a delegate that pins it, the load is refused.
Console.WriteLine();
Console.WriteLine("5d. An untrusted certificate");
try
{
    await UrlSession.Shared.DataAsync(new Uri(server.SecureAddress(), "/hello"));
}
catch (UrlError e)
{
    Console.WriteLine($"  refused: {e.Code} ({(int)e.Code})");
}

// 6. Cancel: the task completes exactly once, with UrlErrorCode.Cancelled.
Console.WriteLine();
Console.WriteLine("6. Cancelling a task that would never finish");
var endless = session.DataTask(new Uri(baseUrl, "/never-ends"));
var endlessDone = tour.Track(endless);
endless.Resume();
while (endless.CountOfBytesReceived == 0)
    await Task.Yield();
endless.Cancel();
var cancelled = await endlessDone;
Console.WriteLine($"  state {endless.State}, error {cancelled?.Code}");

// 7. A download: progress, then a temporary file that is ours until the callback returns.
Console.WriteLine();
Console.WriteLine("7. A download with progress, cancelled and resumed");
var downloads = new TourDownloads();
await using (var downloadSession = new UrlSession(UrlSessionConfiguration.Ephemeral, downloads))
{
    var partial = downloadSession.DownloadTask(new Uri(baseUrl, "/file.bin"));
    partial.Resume();
    await downloads.Progressing.Task;
    var resumeData = await partial.CancelByProducingResumeDataAsync();
    Console.WriteLine($"  cancelled with {resumeData!.BytesOnDisk:N0} bytes saved; resume data is {resumeData.ToArray().Length} bytes");
    var resumed = downloadSession.DownloadTask(ResumeData.FromBytes(resumeData.ToArray()));
    resumed.Resume();
    await downloads.Finished.Task;
}

// 8. Invalidation: the last message a session sends.
Console.WriteLine();
Console.WriteLine("8. Finishing the session");
session.FinishTasksAndInvalidate();
await tour.SessionInvalid;

// 9. A background session: urlsessiond downloads while the app that asked is gone.
Console.WriteLine();
Console.WriteLine("9. A background download that outlives its app");
if (OperatingSystem.IsWindows())
    Console.WriteLine("  (urlsessiond runs on Linux and macOS; skipped)");
else
    await TourBackground.RunAsync(baseUrl);
Console.WriteLine();
Console.WriteLine("Tour complete.");
return 0;

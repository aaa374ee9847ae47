using Fetch;
using UrlLoading;

// fetch URL [-o FILE] [--continue]     download, Ctrl-C saves resume data to FILE.resume, --continue resumes it
// fetch URL --upload FILE              upload FILE with POST and print the response
// fetch URL [-o FILE] --background [--detach]
//                                      hand the download to urlsessiond: it goes on if fetch quits (--detach quits at once)
// fetch --collect                      receive background downloads that finished while fetch was not running
// fetch URL -u USER:PASSWORD ...       answer the server's Basic, Digest, NTLM or Negotiate challenge (DOMAIN\user for NTLM)
const string Usage = "usage: fetch URL [-o FILE] [--continue] [-u USER:PASSWORD] | fetch URL --upload FILE | fetch URL [-o FILE] --background [--detach] | fetch --collect";
const string BackgroundIdentifier = "fetch.background-downloads";
string? url = null, output = null, upload = null, user = null;
bool resume = false, background = false, detach = false, collect = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "-o" or "--output" when i + 1 < args.Length: output = args[++i]; break;
        case "--upload" when i + 1 < args.Length: upload = args[++i]; break;
        case "--continue" or "-C": resume = true; break;
        case "--background": background = true; break;
        case "--detach": detach = true; break;
        case "--collect": collect = true; break;
        case "-u" or "--user" when i + 1 < args.Length && args[i + 1].Contains(':', StringComparison.Ordinal): user = args[++i]; break;
        case var a when !a.StartsWith('-') && url is null: url = a; break;
        default:
            Console.Error.WriteLine($"fetch: unknown argument '{args[i]}'\n{Usage}");
            return 2;
    }
}
if (collect)
    return await CollectAsync();
if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var target))
{
    Console.Error.WriteLine($"fetch: give an absolute URL such as http://127.0.0.1:8080/file\n{Usage}");
    return 2;
}

output ??= Path.GetFileName(target.AbsolutePath) is { Length: > 0 } name ? name : "index.html";
var fetch = new FetchDelegate(Path.GetFullPath(output));
if (user is not null)
    fetch.Credential = new UrlCredential(user[..user.IndexOf(':', StringComparison.Ordinal)], user[(user.IndexOf(':', StringComparison.Ordinal) + 1)..]);
if (background)
    return await BackgroundAsync(target, Path.GetFullPath(output));
await using var session = new UrlSession(UrlSessionConfiguration.Default, fetch);
try
{
    return upload is not null ? await UploadAsync() : await DownloadAsync();
}
catch (UrlError e)
{
    Console.Error.WriteLine($"fetch: {e.Message} ({e.Code}, {(int)e.Code})");
    return 1;
}

async Task<int> UploadAsync()
{
    var request = new UrlRequest(target) { HttpMethod = "POST" }.WithHeader("Content-Type", "application/octet-stream");
    var (body, response) = await session.UploadAsync(request, upload);
    ProgressLine.Finish();
    Console.Error.WriteLine($"{((HttpUrlResponse)response).StatusCode} {HttpUrlResponse.LocalizedString(((HttpUrlResponse)response).StatusCode)}");
    await Console.OpenStandardOutput().WriteAsync(body);
    return ((HttpUrlResponse)response).StatusCode < 400 ? 0 : 1;
}

async Task<int> DownloadAsync()
{
    string resumeFile = output + ".resume";
    UrlSessionDownloadTask task;
    if (resume)
    {
        if (!File.Exists(resumeFile))
        {
            Console.Error.WriteLine($"fetch: nothing to continue: {resumeFile} does not exist");
            return 1;
        }
        task = session.DownloadTask(ResumeData.FromBytes(File.ReadAllBytes(resumeFile)));
    }
    else
    {
        task = session.DownloadTask(target);
    }
    var interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        interrupted.TrySetResult();
    };
    task.Resume();
    if (await Task.WhenAny(fetch.Completed.Task, interrupted.Task) == interrupted.Task)
    {
        // Ctrl-C: keep what arrived, so that --continue can pick up from there.
        var kept = await task.CancelByProducingResumeDataAsync();
        if (kept is null)
        {
            Console.Error.WriteLine("\nstopped; the server gave no validator (ETag or Last-Modified), so this download cannot be continued");
            return 130;
        }
        File.WriteAllBytes(resumeFile, kept.ToArray());
        Console.Error.WriteLine($"\nstopped; {kept.BytesOnDisk:N0} bytes kept. Continue with: fetch {url} -o {output} --continue");
        return 130;
    }
    var error = await fetch.Completed.Task;
    if (error is not null)
    {
        if (error.Code == UrlErrorCode.Cancelled)
            return 130;
        if (error.ResumeData is { } data)
        {
            File.WriteAllBytes(resumeFile, data.ToArray());
            Console.Error.WriteLine($"fetch: {error.Message} {data.BytesOnDisk:N0} bytes kept; continue with --continue");
        }
        else
        {
            Console.Error.WriteLine($"fetch: {error.Message} ({error.Code}, {(int)error.Code})");
        }
        return 1;
    }
    File.Delete(resumeFile);
    Console.Error.WriteLine(fetch.StatusCode is >= 200 and < 300 ? $"{fetch.StatusCode} -> {output}" : $"{fetch.StatusCode}: not saved");
    return fetch.StatusCode is >= 200 and < 300 ? 0 : 1;
}

// The download runs in urlsessiond; the task's description remembers where the file goes.
async Task<int> BackgroundAsync(Uri source, string destination)
{
    var session = OpenBackgroundSession(fetch);
    var task = session.DownloadTask(source);
    task.TaskDescription = destination;
    task.Resume();
    await session.FlushAsync();
    Console.Error.WriteLine($"handed to urlsessiond as task #{task.TaskIdentifier}; it goes on if fetch quits, and 'fetch --collect' receives it");
    if (detach)
        return 0;
    var interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        interrupted.TrySetResult();
    };
    if (await Task.WhenAny(fetch.Completed.Task, interrupted.Task) == interrupted.Task)
    {
        Console.Error.WriteLine("\nfetch quits; urlsessiond goes on. Run 'fetch --collect' later.");
        return 130;
    }
    var error = await fetch.Completed.Task;
    Console.Error.WriteLine(error is null ? $"{fetch.StatusCode} -> {destination}" : $"fetch: {error.Message} ({error.Code}, {(int)error.Code})");
    return error is null && fetch.StatusCode < 400 ? 0 : 1;
}

async Task<int> CollectAsync()
{
    var collector = new FetchDelegate(output: null);
    var session = OpenBackgroundSession(collector);
    var held = await session.GetAllTasksAsync();
    if (held.Count == 0)
    {
        Console.Error.WriteLine("nothing waiting in urlsessiond");
        return 0;
    }
    foreach (var task in held)
        Console.Error.WriteLine($"#{task.TaskIdentifier} -> {task.TaskDescription}");
    await collector.EventsDone.Task;
    return 0;
}

// One place creates the background session (US1001): each run of fetch opens it once.
static UrlSession OpenBackgroundSession(FetchDelegate events) =>
    new(UrlSessionConfiguration.Background(BackgroundIdentifier), events);

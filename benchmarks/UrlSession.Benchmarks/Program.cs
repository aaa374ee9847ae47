using System.Diagnostics;
using UrlLoading;
using UrlLoading.Benchmarks;

// Throughput of UrlSession data and download tasks against raw HttpClient on the same loopback server, in the same
// run. The server runs in a child process (`--serve`), so the allocation figures are the client's alone. Every loop
// is bounded: a fixed number of rounds of a fixed size. Traffic goes to 127.0.0.1 only. `--small` runs the 1 KiB
// request benchmark instead (SmallRequests.cs: nginx, every client in its own process).
if (args.Contains("--serve"))
{
    await BenchmarkServer.ServeAsync();
    return;
}
if (args.Contains("--background"))
{
    // urlsessiond against the in-process path: --size MiB (256), --rounds (5), --tasks N (1,000; 10,000 for issue 13).
    using var backgroundServer = BenchmarkServer.Start();
    await BackgroundBenchmark.RunAsync(backgroundServer, (long)Option("--size", 256) << 20, Option("--rounds", 5), Option("--tasks", 1000));
    return;
}
if (args.Contains("--small-client"))
{
    await SmallRequests.ClientAsync(args);
    return;
}
if (args.Contains("--small"))
{
    await SmallRequests.RunAsync(args);
    return;
}
bool quick = args.Contains("--quick");
long size = quick ? 64L << 20 : 1L << 30;
int rounds = quick ? 7 : 9;

using var server = BenchmarkServer.Start();
var url = new Uri(server.BaseAddress, $"/bytes/{size}");

using var client = new HttpClient();
var counter = new ByteCounter();
await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, counter);

async Task<long> RawHttpClient()
{
    using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
    await using var body = await response.Content.ReadAsStreamAsync();
    var buffer = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = await body.ReadAsync(buffer)) > 0;)
        total += n;
    return total;
}

async Task<long> RawHttpClientToFile()
{
    string path = Path.Combine(Path.GetTempPath(), $"urlsession-bench-{Guid.NewGuid():N}.tmp");
    try
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = new byte[128 * 1024];
        long total = 0;
        for (int n; (n = await body.ReadAsync(buffer)) > 0;)
        {
            await file.WriteAsync(buffer.AsMemory(0, n));
            total += n;
        }
        return total;
    }
    finally
    {
        File.Delete(path);
    }
}

async Task<long> DownloadTaskToFile()
{
    var task = session.DownloadTask(url);
    var done = counter.Expect(task);
    task.Resume();
    return await done;
}

async Task<long> DataTaskWithDelegate()
{
    var task = session.DataTask(url);
    var done = counter.Expect(task);
    task.Resume();
    return await done;
}

Console.WriteLine($"UrlSession benchmarks: {size >> 20} MiB per transfer, {rounds} interleaved rounds{(quick ? " (--quick)" : "")}");
await RawHttpClient(); // warm-up: connection, JIT
await DataTaskWithDelegate();
await RawHttpClientToFile();
await DownloadTaskToFile();
var ratios = new List<double>();
var fileRatios = new List<double>();
var rawRates = new List<double>();
var dataRates = new List<double>();
double rawAllocated = double.MaxValue, dataAllocated = double.MaxValue;
for (int round = 0; round < rounds; round++)
{
    // Interleaved, so that drift on a shared two-core machine hits both sides alike.
    var raw = await Measure("raw HttpClient", RawHttpClient);
    var data = await Measure("data task", DataTaskWithDelegate);
    rawRates.Add(raw.MiBPerSecond);
    dataRates.Add(data.MiBPerSecond);
    ratios.Add(data.MiBPerSecond / raw.MiBPerSecond);
    var rawFile = await Measure("raw HttpClient to file", RawHttpClientToFile);
    var download = await Measure("download task", DownloadTaskToFile);
    fileRatios.Add(download.MiBPerSecond / rawFile.MiBPerSecond);
    rawAllocated = Math.Min(rawAllocated, raw.BytesPerMiB);
    dataAllocated = Math.Min(dataAllocated, data.BytesPerMiB);
}
Console.WriteLine($"{"raw HttpClient (ResponseHeadersRead + ReadAsync)",-50} median {Median(rawRates),6:F0} MiB/s  {rawAllocated,7:F0} B allocated per MiB");
Console.WriteLine($"{"UrlSession data task, DidReceiveData delegate",-50} median {Median(dataRates),6:F0} MiB/s  {dataAllocated,7:F0} B allocated per MiB");
Console.WriteLine($"data task / raw HttpClient throughput: median {Median(ratios):F3}x (rounds: {string.Join(", ", ratios.Select(r => r.ToString("F2")))})");
Console.WriteLine($"download task / raw HttpClient writing the same file: median {Median(fileRatios):F3}x (rounds: {string.Join(", ", fileRatios.Select(r => r.ToString("F2")))})");
Console.WriteLine("(allocation: this client process only; the server runs in a child process)");
await PeakWorkingSetAsync();
await CacheAsync();

Dispatch.Run();

// A 32 KiB API-sized response, 5 interleaved rounds of 500 requests per way (bounded): raw HttpClient goes to the
// server every time; a session with a UrlCache answers from memory while the response is fresh, and with a 304 when
// the request asks to revalidate; ignoring the cache shows the session's own per-request cost.
async Task CacheAsync()
{
    const int requests = 500, cacheRounds = 5;
    var resource = new Uri(server.BaseAddress, "/cacheable/32768");
    var configuration = UrlSessionConfiguration.Ephemeral;
    configuration.UrlCache = new UrlCache(16 << 20, 0, null);
    await using var cached = new UrlSession(configuration);
    var ways = new (string Name, Func<Task> Load)[]
    {
        ("raw HttpClient", async () => await client.GetByteArrayAsync(resource)),
        ("UrlSession ignoring the cache", async () => await cached.DataAsync(new UrlRequest(resource) { CachePolicy = RequestCachePolicy.ReloadIgnoringLocalCacheData })),
        ("fresh cache hit", async () => await cached.DataAsync(resource)),
        ("304 revalidation", async () => await cached.DataAsync(new UrlRequest(resource) { CachePolicy = RequestCachePolicy.ReloadRevalidatingCacheData })),
    };
    var times = ways.ToDictionary(w => w.Name, _ => new List<double>());
    foreach (var (_, load) in ways)
    {
        for (int i = 0; i < 100; i++)
            await load(); // warm-up: connections, JIT tiers, and the first store
    }
    for (int round = 0; round < cacheRounds; round++)
    {
        foreach (var (name, load) in ways)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < requests; i++)
                await load();
            times[name].Add(clock.Elapsed.TotalMicroseconds / requests);
        }
    }
    double raw = Median(times["raw HttpClient"]);
    Console.WriteLine($"32 KiB response, median of {cacheRounds} rounds x {requests}: " + string.Join(", ", ways.Select(w =>
        $"{w.Name} {Median(times[w.Name]):F0} us{(w.Name == "raw HttpClient" ? "" : $" ({Median(times[w.Name]) / raw:F2}x)")}")));
}

// Peak working set after 64 MiB, then after a 1 GiB data task: streaming means the second adds (almost) nothing.
async Task PeakWorkingSetAsync()
{
    using var process = Process.GetCurrentProcess();
    async Task<long> PeakAfter(long bytes)
    {
        var task = session.DataTask(new Uri(server.BaseAddress, $"/bytes/{bytes}"));
        var done = counter.Expect(task);
        task.Resume();
        await done;
        process.Refresh();
        return process.PeakWorkingSet64;
    }
    long afterSmall = await PeakAfter(64L << 20);
    long afterLarge = await PeakAfter(1L << 30);
    Console.WriteLine($"peak working set: {afterSmall >> 20} MiB after 64 MiB, {afterLarge >> 20} MiB after 1 GiB (+{(afterLarge - afterSmall) >> 20} MiB)");
}

int Option(string name, int otherwise) =>
    Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) && value > 0
        ? value
        : otherwise;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

async Task<(double MiBPerSecond, double BytesPerMiB)> Measure(string name, Func<Task<long>> transfer)
{
    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var clock = Stopwatch.StartNew();
    long bytes = await transfer();
    double seconds = clock.Elapsed.TotalSeconds;
    long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    if (bytes != size)
        throw new InvalidOperationException($"{name}: {bytes} bytes instead of {size}");
    return (size / 1048576.0 / seconds, allocated / (size / 1048576.0));
}

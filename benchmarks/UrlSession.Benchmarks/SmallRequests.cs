using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace UrlLoading.Benchmarks;

/// <summary>
/// 1 KiB responses from nginx on loopback (a neutral server costing almost nothing per request), raw
/// <see cref="HttpClient.GetAsync(Uri)"/> against <see cref="UrlSession.DataAsync(Uri, CancellationToken)"/>. Every
/// client runs in a process of its own (<c>--small-client</c>), so its time, CPU and allocation are its alone; the
/// rounds interleave the two and the report is the median of same-round ratios, p50/p99 latency included.
/// </summary>
internal static class SmallRequests
{
    private const string Raw = "raw", Session = "session";

    /// <summary>The parent: starts nginx, runs the rounds, prints the table.</summary>
    public static async Task RunAsync(string[] args)
    {
        int rounds = Option(args, "--rounds", 5);
        int requests = Option(args, "--requests", 3000);
        using var nginx = Nginx.Start();
        var url = new Uri(nginx.BaseAddress, "/1k");
        Console.WriteLine($"small requests: 1 KiB from nginx over HTTP/1.1, {rounds} interleaved rounds of {requests} requests per client process");
        foreach (int concurrency in new[] { 1, 64 })
        {
            var ratios = new Dictionary<string, List<double>> { ["time"] = [], ["cpu"] = [], ["bytes"] = [] };
            var samples = new Dictionary<string, List<Sample>> { [Raw] = [], [Session] = [] };
            for (int round = 0; round < rounds; round++)
            {
                // Alternate which side goes first, so drift on a shared machine favours neither.
                string[] order = round % 2 == 0 ? [Raw, Session] : [Session, Raw];
                var results = new Dictionary<string, Sample>();
                foreach (string way in order)
                    results[way] = await RunClientAsync(way, url, concurrency, requests);
                samples[Raw].Add(results[Raw]);
                samples[Session].Add(results[Session]);
                ratios["time"].Add(results[Session].ElapsedMs / results[Raw].ElapsedMs);
                ratios["cpu"].Add(results[Session].CpuMs / results[Raw].CpuMs);
                ratios["bytes"].Add(results[Session].BytesPerRequest / results[Raw].BytesPerRequest);
            }
            Console.WriteLine($"concurrency {concurrency} ({(concurrency == 1 ? "one connection" : "64 connections each")}):");
            foreach (string way in new[] { Raw, Session })
            {
                var s = samples[way];
                Console.WriteLine($"  {(way == Raw ? "raw HttpClient.GetAsync" : "UrlSession.DataAsync"),-24} " +
                    $"{Median(s.Select(x => x.ElapsedMs * 1000 / requests)),7:F1} us/req  {Median(s.Select(x => x.CpuMs * 1000 / requests)),7:F1} us CPU/req  " +
                    $"{Median(s.Select(x => x.BytesPerRequest)),7:F0} B/req  p50 {Median(s.Select(x => x.P50Us)),6:F0} us  p99 {Median(s.Select(x => x.P99Us)),6:F0} us");
            }
            Console.WriteLine($"  UrlSession / raw, median of same-round ratios: time {Median(ratios["time"]):F2}x, CPU {Median(ratios["cpu"]):F2}x, " +
                $"bytes {Median(ratios["bytes"]):F2}x (time by round: {string.Join(", ", ratios["time"].Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))})");
        }
    }

    /// <summary>A child process: one client, a warm-up, then the measured requests; prints one line of figures.</summary>
    public static async Task ClientAsync(string[] args)
    {
        int at = Array.IndexOf(args, "--small-client");
        string way = args[at + 1];
        var url = new Uri(args[at + 2]);
        int concurrency = int.Parse(args[at + 3], CultureInfo.InvariantCulture);
        int requests = int.Parse(args[at + 4], CultureInfo.InvariantCulture);
        // "raw-like-session": raw HttpClient with the handler settings a session uses (decompression, no redirects or cookies).
        using var client = new HttpClient(way == "raw-like-session"
            ? new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, AutomaticDecompression = DecompressionMethods.All, AllowAutoRedirect = false, UseCookies = false, UseProxy = false }
            : new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpMaximumConnectionsPerHost = concurrency;
        await using var session = new UrlSession(configuration);
        Func<Task<int>> load = way != Session
            ? async () =>
            {
                using var response = await client.GetAsync(url);
                return (await response.Content.ReadAsByteArrayAsync()).Length;
            }
            : async () => (await session.DataAsync(url)).Data.Length;

        await LoadAsync(load, concurrency, Math.Max(1000, requests / 2), null); // warm-up: connections, JIT tiers
        await Task.Delay(200);
        using var sampler = args.Contains("--profile") ? new AllocationSampler() : null;
        sampler?.Start();
        var latencies = new double[requests];
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long workItemsBefore = ThreadPool.CompletedWorkItemCount;
        var clock = Stopwatch.StartNew();
        await LoadAsync(load, concurrency, requests, latencies);
        double elapsedMs = clock.Elapsed.TotalMilliseconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        double cpuMs = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
        Array.Sort(latencies);
        if (sampler is not null)
            Console.Error.WriteLine($"{(double)(ThreadPool.CompletedWorkItemCount - workItemsBefore) / requests:F2} thread-pool work items per request");
        foreach (var (type, bytes) in sampler?.Top(40) ?? [])
            Console.Error.WriteLine($"{(double)bytes / requests,8:F0} B/req  {type}");
        Console.WriteLine(string.Join(' ', new[] { elapsedMs, cpuMs, (double)allocated / requests, latencies[requests / 2], latencies[requests * 99 / 100] }
            .Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    }

    private static async Task LoadAsync(Func<Task<int>> load, int concurrency, int requests, double[]? latencies)
    {
        int next = -1;
        async Task Worker()
        {
            for (int i; (i = Interlocked.Increment(ref next)) < requests;)
            {
                long start = Stopwatch.GetTimestamp();
                if (await load() != 1024)
                    throw new InvalidOperationException("expected 1024 bytes");
                if (latencies is not null)
                    latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        }
        var workers = new Task[concurrency];
        for (int w = 0; w < concurrency; w++)
            workers[w] = Task.Run(Worker);
        await Task.WhenAll(workers);
    }

    private static async Task<Sample> RunClientAsync(string way, Uri url, int concurrency, int requests)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(typeof(SmallRequests).Assembly.Location);
        foreach (string argument in new[] { "--small-client", way, url.ToString(), concurrency.ToString(CultureInfo.InvariantCulture), requests.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"the {way} client failed ({process.ExitCode})");
        double[] v = output.Trim().Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new Sample(v[0], v[1], v[2], v[3], v[4]);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private readonly record struct Sample(double ElapsedMs, double CpuMs, double BytesPerRequest, double P50Us, double P99Us);

    /// <summary>nginx answering <c>/1k</c> from memory (no file, no validators: nothing a cache could keep), in a folder of its own.</summary>
    private sealed class Nginx : IDisposable
    {
        private readonly Process _process;
        private readonly string _folder;

        private Nginx(Process process, string folder, Uri baseAddress)
        {
            _process = process;
            _folder = folder;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public static Nginx Start()
        {
            string folder = Directory.CreateTempSubdirectory("urlsession-bench-nginx-").FullName;
            int port = FreePort();
            string body = new('x', 1024);
            File.WriteAllText(Path.Combine(folder, "nginx.conf"), $$"""
                worker_processes 1;
                daemon off;
                master_process off;
                error_log stderr error;
                pid {{folder}}/nginx.pid;
                events { worker_connections 4096; }
                http {
                    access_log off;
                    keepalive_requests 10000000;
                    client_body_temp_path {{folder}}/body;
                    proxy_temp_path {{folder}}/proxy;
                    fastcgi_temp_path {{folder}}/fastcgi;
                    uwsgi_temp_path {{folder}}/uwsgi;
                    scgi_temp_path {{folder}}/scgi;
                    default_type application/octet-stream;
                    server {
                        listen 127.0.0.1:{{port}} backlog=4096;
                        location = /1k { return 200 "{{body}}"; }
                    }
                }
                """);
            var start = new ProcessStartInfo("nginx") { RedirectStandardError = true };
            foreach (string argument in new[] { "-p", folder, "-c", Path.Combine(folder, "nginx.conf") })
                start.ArgumentList.Add(argument);
            var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start (apt-get install -y nginx-light)");
            var address = new Uri($"http://127.0.0.1:{port}");
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    using var probe = new TcpClient();
                    probe.Connect(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (attempt < 100 && !process.HasExited)
                {
                    Thread.Sleep(50);
                }
            }
            return new Nginx(process, folder, address);
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit(5000);
            _process.Dispose();
            Directory.Delete(_folder, recursive: true);
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}

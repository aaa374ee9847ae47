using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace UrlLoading.Benchmarks;

/// <summary>
/// Background sessions against the in-process path, on the same loopback server in the same run: a large download
/// (interleaved rounds, median ratio of the times), then N small downloads queued at once (time to enqueue, time to
/// deliver every completion). Reports the daemon's peak RSS (VmHWM) and its database's size. A private urlsessiond
/// runs for the benchmark, in a temporary folder, and is stopped with <c>urlsessiond stop</c> at the end.
/// </summary>
internal static class BackgroundBenchmark
{
    private const int SmallFile = 4096;

    public static async Task RunAsync(BenchmarkServer server, long size, int rounds, int tasks)
    {
        string root = Directory.CreateTempSubdirectory("urlsession-bench-bg-").FullName;
        string daemonPath = DaemonPath();
        Environment.SetEnvironmentVariable("URLSESSIOND_RUNTIME_DIR", Path.Combine(root, "run"));
        Environment.SetEnvironmentVariable("URLSESSIOND_STATE_DIR", Path.Combine(root, "state"));
        Environment.SetEnvironmentVariable("URLSESSIOND_PATH", daemonPath);
        using var daemon = await StartDaemonAsync(daemonPath, Path.Combine(root, "run", "urlsessiond.sock"));
        try
        {
            Console.WriteLine($"background vs in-process: {size >> 20} MiB download x {rounds} interleaved rounds, "
                + $"then {tasks:N0} x {SmallFile / 1024} KiB downloads");
            var inProcess = new Completions();
            await using var foreground = new UrlSession(UrlSessionConfiguration.Ephemeral, inProcess);
            var inDaemon = new Completions();
            await using var background = new UrlSession(UrlSessionConfiguration.Background("benchmarks.background"), inDaemon);

            var large = new Uri(server.BaseAddress, $"/entity/{size}");
            await DownloadAsync(foreground, inProcess, large, size); // warm-up: connections, JIT, the daemon's first transfer
            await DownloadAsync(background, inDaemon, large, size);
            var ratios = new List<double>();
            var rates = (InProcess: new List<double>(), Background: new List<double>());
            for (int round = 0; round < rounds; round++)
            {
                double local = await DownloadAsync(foreground, inProcess, large, size);
                double remote = await DownloadAsync(background, inDaemon, large, size);
                rates.InProcess.Add(size / 1048576.0 / local);
                rates.Background.Add(size / 1048576.0 / remote);
                ratios.Add(remote / local);
            }
            Console.WriteLine($"{"in-process download task",-50} median {Median(rates.InProcess),6:F0} MiB/s");
            Console.WriteLine($"{"background download task (urlsessiond)",-50} median {Median(rates.Background),6:F0} MiB/s");
            string rounded = string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)));
            Console.WriteLine($"background / in-process time: median {Median(ratios):F2}x (rounds: {rounded})");
            Console.WriteLine($"after the large downloads: daemon peak RSS {PeakMemory(daemon.Id)}, database {DatabaseSize(root)}");

            var small = new Uri(server.BaseAddress, $"/entity/{SmallFile}");
            var (localEnqueue, localAll) = await ManyAsync(foreground, inProcess, small, tasks);
            var (remoteEnqueue, remoteAll) = await ManyAsync(background, inDaemon, small, tasks);
            Console.WriteLine($"{tasks:N0} downloads in-process: all completed in {localAll:F1} s");
            Console.WriteLine($"{tasks:N0} downloads in the background: enqueued (FlushAsync) in {remoteEnqueue:F1} s, "
                + $"all delivered in {remoteAll:F1} s ({tasks / remoteAll:F0} tasks/s); background / in-process {remoteAll / localAll:F2}x");
            Console.WriteLine($"after {tasks:N0} tasks: daemon peak RSS {PeakMemory(daemon.Id)}, database {DatabaseSize(root)}");
            _ = localEnqueue;
        }
        finally
        {
            await StopDaemonAsync(daemonPath, daemon);
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>One download from Resume to its completion; the handed-over file must have every byte. Returns seconds.</summary>
    private static async Task<double> DownloadAsync(UrlSession session, Completions completions, Uri url, long size)
    {
        var clock = Stopwatch.StartNew();
        var task = session.DownloadTask(url);
        var done = completions.Expect(task.TaskIdentifier);
        task.Resume();
        long bytes = await done;
        if (bytes != size)
            throw new InvalidOperationException($"{url}: {bytes} bytes instead of {size}");
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Resumes <paramref name="count"/> downloads at once; seconds to FlushAsync, and to the last completion.</summary>
    private static async Task<(double Enqueued, double Delivered)> ManyAsync(UrlSession session, Completions completions, Uri url, int count)
    {
        var clock = Stopwatch.StartNew();
        var all = new List<Task<long>>(count);
        for (int i = 0; i < count; i++)
        {
            var task = session.DownloadTask(url);
            all.Add(completions.Expect(task.TaskIdentifier));
            task.Resume();
        }
        await session.FlushAsync();
        double enqueued = clock.Elapsed.TotalSeconds;
        foreach (long bytes in await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(60 + count / 10)))
        {
            if (bytes != SmallFile)
                throw new InvalidOperationException($"a {SmallFile}-byte download delivered {bytes} bytes");
        }
        return (enqueued, clock.Elapsed.TotalSeconds);
    }

    private static async Task<Process> StartDaemonAsync(string daemonPath, string socket)
    {
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { daemonPath, "run", "--background" }, RedirectStandardInput = true };
        var daemon = Process.Start(start)!;
        var deadline = Stopwatch.StartNew();
        // The socket appears when the daemon listens; bounded, and failing with the reason when the daemon exits.
        while (!File.Exists(socket))
        {
            if (daemon.HasExited)
                throw new InvalidOperationException($"urlsessiond exited with {daemon.ExitCode}");
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                throw new TimeoutException("urlsessiond did not listen within 30 s");
            await Task.Delay(20);
        }
        return daemon;
    }

    private static async Task StopDaemonAsync(string daemonPath, Process daemon)
    {
        using var stop = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { daemonPath, "stop" }, RedirectStandardOutput = true })!;
        await stop.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (!await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(t => t.IsCompletedSuccessfully))
            daemon.Kill();
    }

    /// <summary>The daemon built beside this benchmark (same configuration), found from the repository root.</summary>
    private static string DaemonPath()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string path = Path.Combine(folder.FullName, "src", "UrlSession.Daemon", "bin", configuration, "net10.0", "urlsessiond.dll");
            if (File.Exists(path))
                return path;
        }
        throw new InvalidOperationException(
            $"urlsessiond.dll ({configuration}) not found above {AppContext.BaseDirectory}; build src/UrlSession.Daemon.");
    }

    private static string PeakMemory(int pid) =>
        File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))?["VmHWM:".Length..].Trim()
            ?? "unknown";

    private static string DatabaseSize(string root)
    {
        long bytes = new[] { "state.db", "state.db-wal" }
            .Select(f => new FileInfo(Path.Combine(root, "state", f))).Where(f => f.Exists).Sum(f => f.Length);
        return $"{bytes / 1024.0:F0} KiB (with its WAL)";
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Completes each task's waiter with the size of the file it handed over, and deletes the file.</summary>
    private sealed class Completions : IUrlSessionDelegate
    {
        private readonly ConcurrentDictionary<int, TaskCompletionSource<long>> _waiting = new();
        private readonly ConcurrentDictionary<int, long> _sizes = new();

        public UrlSessionCallbacks Callbacks => UrlSessionCallbacks.DidFinishDownloading | UrlSessionCallbacks.DidCompleteWithError;

        public Task<long> Expect(int task) =>
            _waiting.GetOrAdd(task, static _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public ValueTask DidFinishDownloading(UrlSession session, UrlSessionDownloadTask task, string location)
        {
            _sizes[task.TaskIdentifier] = new FileInfo(location).Length;
            File.Delete(location);
            return default;
        }

        public ValueTask DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error)
        {
            if (_waiting.TryRemove(task.TaskIdentifier, out var waiter))
            {
                if (error is null)
                    waiter.TrySetResult(_sizes.TryRemove(task.TaskIdentifier, out long size) ? size : -1);
                else
                    waiter.TrySetException(error);
            }
            return default;
        }
    }
}

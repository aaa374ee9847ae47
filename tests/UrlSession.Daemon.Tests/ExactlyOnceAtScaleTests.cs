using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// Many background downloads of a small file, against a real urlsessiond and a loopback server: every task's
/// <c>DidFinishDownloading</c> and <c>DidCompleteWithError</c> arrive exactly once, with the right bytes, and the daemon
/// keeps nothing behind. CI runs bounded counts; <c>scripts/scale-background.sh</c> runs 10,000 tasks and 100 × 100.
/// </summary>
[Collection(InProcessSessions.Name)]
public sealed class ExactlyOnceAtScaleTests
{
    private const int FileSize = 4096;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A count from the environment (the scale script raises it), else the CI default.</summary>
    private static int Scale(string variable, int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : ciDefault;

    /// <summary>Generous for a loopback 4 KiB file; the point is to fail with the counts instead of hanging.</summary>
    private static TimeSpan Patience(int tasks) => TimeSpan.FromSeconds(60 + tasks / 20);

    [Fact]
    public async Task Every_download_of_many_in_one_open_session_is_delivered_exactly_once()
    {
        int count = Scale("URLSESSIOND_SCALE_TASKS", 1000);
        await using var server = await FileServer.StartAsync(size: FileSize);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        using var environment = world.UseInThisProcess();

        var tally = new Tally(server.Content);
        var session = new UrlSession(UrlSessionConfiguration.Background("tests.scale.one"), tally);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
            session.DownloadTask(server.Url).Resume();
        await session.FlushAsync().AsTask().WaitAsync(Patience(count), Ct);
        var enqueued = clock.Elapsed;
        await tally.WaitForCompletionsAsync(count, Patience(count), world);
        var delivered = clock.Elapsed;

        tally.AssertEachExactlyOnce(count, "the open session", world);
        await world.UntilAsync(s => s.Single(x => x.Identifier == "tests.scale.one") is { PendingEvents: 0, Tasks.Count: 0 } && session.Background!.UnacknowledgedCount == 0,
            "every acknowledgement to be recorded");
        Assert.Empty(Directory.GetFiles(Path.Combine(world.StateFolder, "finished")));
        string rss = world.DaemonPeakMemory();
        await session.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);
        TestContext.Current.SendDiagnosticMessage(
            $"{count} tasks: enqueued in {enqueued.TotalSeconds:0.0} s, all delivered in {delivered.TotalSeconds:0.0} s; {tally.Summary(count)}; daemon peak RSS {rss}; database {world.DatabaseSize()}");
    }

    [Fact]
    public async Task An_app_that_exits_midway_and_comes_back_gets_each_event_exactly_once_across_both_processes()
    {
        int count = Scale("URLSESSIOND_SCALE_RELAUNCH_TASKS", 300);
        await using var server = await FileServer.StartAsync(size: FileSize);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();

        // The first process returns from Main after half the completions, with events still arriving.
        var (firstCode, first) = await world.RunAppAsync("bulk", server.Url.AbsoluteUri, $"{count}", $"{count / 2}", world.Destination);
        Assert.True(firstCode == 0, string.Join('\n', first.TakeLast(5)));
        Assert.Contains($"started {count}", first);
        await world.UntilAsync(s => s.SelectMany(x => x.Tasks).All(t => t.State != "running"), "the daemon to finish every transfer", seconds: (int)Patience(count).TotalSeconds);
        var (secondCode, second) = await world.RunAppAsync("attach-all", world.Destination);
        Assert.True(secondCode == 0, $"the second process exited {secondCode}; {world.JournalSummary()}");

        var finished = new int[count + 1];
        var completed = new int[count + 1];
        foreach (var line in first.Concat(second))
        {
            var parts = line.Split(' ');
            if (parts is ["finished", var f, _, var length, "200"] && int.TryParse(f.TrimStart('#'), CultureInfo.InvariantCulture, out int fid))
            {
                Assert.Equal($"{FileSize}", length);
                finished[fid]++;
            }
            else if (parts is ["complete", var c, "ok"] && int.TryParse(c.TrimStart('#'), CultureInfo.InvariantCulture, out int cid))
            {
                completed[cid]++;
            }
        }
        var lost = Enumerable.Range(1, count).Where(id => finished[id] == 0 || completed[id] == 0).ToList();
        var repeated = Enumerable.Range(1, count).Where(id => finished[id] > 1 || completed[id] > 1).ToList();
        Assert.True(lost.Count == 0 && repeated.Count == 0,
            $"lost {lost.Count} (#{string.Join(", #", lost.Take(20))}), repeated {repeated.Count} (#{string.Join(", #", repeated.Take(20))}); {world.JournalSummary()}");
        for (int id = 1; id <= count; id++)
        {
            byte[] file = await File.ReadAllBytesAsync(Path.Combine(world.Destination, $"{id}.bin"), Ct);
            Assert.True(server.Content.AsSpan().SequenceEqual(file), $"file #{id} differs");
        }
        await world.UntilAsync(s => s.All(x => x.PendingEvents == 0 && x.Tasks.Count == 0), "the daemon to forget every task");
        Assert.Empty(Directory.GetFiles(Path.Combine(world.StateFolder, "finished")));
        int inFirst = first.Count(l => l.StartsWith("complete ", StringComparison.Ordinal));
        TestContext.Current.SendDiagnosticMessage($"{count} tasks: {inFirst} completions in the first process, {count - inFirst} in the second; 0 lost, 0 repeated");
    }

    [Fact]
    public async Task Many_sessions_at_once_each_get_every_event_exactly_once()
    {
        int sessions = Scale("URLSESSIOND_SCALE_SESSIONS", 10);
        int perSession = Scale("URLSESSIOND_SCALE_SESSION_TASKS", 50);
        await using var server = await FileServer.StartAsync(size: FileSize);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        using var environment = world.UseInThisProcess();

        var clock = Stopwatch.StartNew();
        var opened = new List<(UrlSession Session, Tally Tally)>();
        for (int s = 0; s < sessions; s++)
        {
            var tally = new Tally(server.Content);
            opened.Add((new UrlSession(UrlSessionConfiguration.Background($"tests.scale.many.{s}"), tally), tally));
        }
        foreach (var (session, _) in opened)
        {
            for (int i = 0; i < perSession; i++)
                session.DownloadTask(server.Url).Resume();
        }
        await Task.WhenAll(opened.Select(o => o.Session.FlushAsync().AsTask())).WaitAsync(Patience(sessions * perSession), Ct);
        await Task.WhenAll(opened.Select(o => o.Tally.WaitForCompletionsAsync(perSession, Patience(sessions * perSession), world)));
        var delivered = clock.Elapsed;

        for (int s = 0; s < sessions; s++)
            opened[s].Tally.AssertEachExactlyOnce(perSession, $"session {s}", world);
        await world.UntilAsync(l => l.Count == sessions && l.All(x => x.PendingEvents == 0 && x.Tasks.Count == 0), "every acknowledgement to be recorded");
        Assert.Empty(Directory.GetFiles(Path.Combine(world.StateFolder, "finished")));
        string rss = world.DaemonPeakMemory();
        await Task.WhenAll(opened.Select(o => o.Session.DisposeAsync().AsTask())).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        TestContext.Current.SendDiagnosticMessage($"{sessions} sessions x {perSession} tasks: all delivered in {delivered.TotalSeconds:0.0} s, 0 lost, 0 repeated; daemon peak RSS {rss}");
    }

    /// <summary>Counts every callback per task and checks each file's bytes as it is handed over.</summary>
    private sealed class Tally(byte[] content) : IUrlSessionDelegate
    {
        private readonly ConcurrentDictionary<int, int> _finished = new();
        private readonly ConcurrentDictionary<int, int> _completed = new();
        private readonly ConcurrentQueue<string> _problems = new();
        private int _completions;

        public UrlSessionCallbacks Callbacks => UrlSessionCallbacks.DidFinishDownloading | UrlSessionCallbacks.DidCompleteWithError;

        public int Completions => Volatile.Read(ref _completions);

        public ValueTask DidFinishDownloading(UrlSession session, UrlSessionDownloadTask task, string location)
        {
            _finished.AddOrUpdate(task.TaskIdentifier, 1, static (_, n) => n + 1);
            if (!content.AsSpan().SequenceEqual(File.ReadAllBytes(location)))
                _problems.Enqueue($"#{task.TaskIdentifier}: the file differs");
            return default;
        }

        public ValueTask DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error)
        {
            _completed.AddOrUpdate(task.TaskIdentifier, 1, static (_, n) => n + 1);
            if (error is not null)
                _problems.Enqueue($"#{task.TaskIdentifier}: {error.Code} {error.Message}");
            Interlocked.Increment(ref _completions);
            return default;
        }

        /// <summary>Polls (bounded) until <paramref name="count"/> completions arrived; fails with what is missing and what the journal holds.</summary>
        public async Task WaitForCompletionsAsync(int count, TimeSpan patience, DaemonWorld world)
        {
            var clock = Stopwatch.StartNew();
            while (Completions < count)
            {
                if (clock.Elapsed > patience)
                {
                    var missing = Enumerable.Range(1, count).Where(id => !_completed.ContainsKey(id)).ToList();
                    Assert.Fail($"{Completions} of {count} completions after {patience.TotalSeconds} s; missing #{string.Join(", #", missing.Take(20))}; {world.JournalSummary()}");
                }
                await Task.Delay(20, Ct);
            }
        }

        public void AssertEachExactlyOnce(int count, string where, DaemonWorld world)
        {
            Assert.True(_problems.IsEmpty, $"{where}: {string.Join("; ", _problems.Take(10))}");
            var lost = Enumerable.Range(1, count).Where(id => _finished.GetValueOrDefault(id) == 0 || _completed.GetValueOrDefault(id) == 0).ToList();
            var repeated = Enumerable.Range(1, count).Where(id => _finished.GetValueOrDefault(id) > 1 || _completed.GetValueOrDefault(id) > 1).ToList();
            Assert.True(lost.Count == 0 && repeated.Count == 0 && _finished.Count == count && _completed.Count == count,
                $"{where}: {Summary(count)}; lost #{string.Join(", #", lost.Take(20))}; repeated #{string.Join(", #", repeated.Take(20))}; {world.JournalSummary()}");
        }

        public string Summary(int count)
        {
            int lost = 0, repeated = 0;
            for (int id = 1; id <= count; id++)
            {
                int f = _finished.GetValueOrDefault(id), c = _completed.GetValueOrDefault(id);
                lost += f == 0 || c == 0 ? 1 : 0;
                repeated += f > 1 || c > 1 ? 1 : 0;
            }
            return $"{count - lost} delivered, {lost} lost, {repeated} repeated";
        }
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// The daemon's command line, run as a process against a real urlsessiond and a loopback server: <c>status</c> shows
/// the queue and throughput, <c>list</c> human sizes, rate and ETA, and <c>stop</c> shuts the daemon down with every
/// running transfer checkpointed.
/// </summary>
public sealed partial class DaemonCommandLineTests
{
    private const int Tasks = 8;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Status_and_list_show_the_queue_sizes_rate_and_ETA_of_transfers_under_way()
    {
        // Every transfer stalls after 3.5 MB of 8 MB: four hold the daemon's four slots, four wait for one.
        await using var server = await FileServer.StartAsync(size: 8_000_000, stallAfter: 3_500_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        Assert.Equal(0, (await world.RunAppAsync("bulk", server.Url.AbsoluteUri, $"{Tasks}", "0", world.Destination)).Code);
        await world.UntilAsync(s => s.Single().Tasks.Count(t => t.Rate?.BytesMoved > 3 * 1024 * 1024) == 4, "four transfers to stall");

        var (statusCode, status) = await world.RunCommandAsync("status");
        Assert.True(statusCode == 0, string.Join('\n', status));
        Assert.Contains(status, l => l.StartsWith($"1 session(s); queue {Tasks - 4} waiting, 4 transferring, 0 undelivered event(s); ", StringComparison.Ordinal)
            && RateLine().IsMatch(l));
        Assert.Contains(status, l => DatabaseLine().IsMatch(l));

        var (listCode, list) = await world.RunCommandAsync("list");
        Assert.True(listCode == 0, string.Join('\n', list));
        Assert.Contains(list, l => l.EndsWith($" tests.background.downloads (closed, {Tasks} task(s), 0 undelivered event(s))", StringComparison.Ordinal));
        var transferring = list.Where(l => TransferLine().IsMatch(l)).ToList();
        Assert.True(transferring.Count == 4, string.Join('\n', list));
        Assert.Equal(Tasks - 4, list.Count(l => QueuedLine().IsMatch(l)));
    }

    [Fact]
    public async Task Stop_checkpoints_every_running_transfer_and_the_restart_continues_from_there()
    {
        await using var server = await FileServer.StartAsync(size: 8_000_000, stallAfter: 3_500_000, holdRanges: true);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        Assert.Equal(0, (await world.RunAppAsync("start", server.Url.AbsoluteUri, "stopped")).Code);
        // Beyond the periodic checkpoint at 3 MiB (the next would be at 4 MiB): only the stop's own checkpoint keeps these bytes.
        // Progress is reported in throttled steps, so the last report before the server's stall (3.5 MB) may be anywhere
        // past 3 MiB; waiting for a margin above it raced those steps (seen: 3,243,297 reported, then nothing).
        var sessions = await world.UntilAsync(s => s.SelectMany(x => x.Tasks).Any(t => t.Rate?.BytesMoved > 3 * 1024 * 1024), "the transfer to pass 3 MiB");
        long moved = sessions.Single().Tasks.Single().Rate!.BytesMoved;

        var (code, lines) = await world.RunCommandAsync("stop");
        Assert.True(code == 0, string.Join('\n', lines));
        Assert.Contains(lines, l => l.StartsWith("urlsessiond (pid ", StringComparison.Ordinal) && l.EndsWith(" stopped; 1 transfer(s) checkpointed", StringComparison.Ordinal));
        Assert.Equal(0, await world.DaemonExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(world.SocketPath));
        Assert.Contains("stop asked by pid", world.Log, StringComparison.Ordinal);

        await world.StartDaemonAsync();
        server.RangeRelease.TrySetResult();
        await world.UntilAsync(s => s.Any(x => x.PendingEvents == 2), "the restarted daemon to finish");
        var (_, attach) = await world.RunAppAsync("attach", world.Destination);
        Assert.Contains($"finished #1 stopped {server.Content.Length} 206", attach);
        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Path.Combine(world.Destination, "1.bin"), Ct));
        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        long from = long.Parse(requests[1]["GET bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture);
        Assert.InRange(from, moved, server.Content.Length - 1);
    }

    // "..., 0 undelivered event(s); 1.25 MiB/s, 0 task(s)/s lately, 0 completed"
    [GeneratedRegex(@"; \d+(\.\d+)? (B|KiB|MiB|GiB)/s, [\d.]+ task\(s\)/s lately, \d+ completed$")]
    private static partial Regex RateLine();

    // "database 36.0 KiB (17 write(s) in 9 commit(s)); peak memory 85.2 MiB"
    [GeneratedRegex(@"^database \d+(\.\d+)? (B|KiB|MiB) \([\d,]+ write\(s\) in [\d,]+ commit\(s\)\); peak memory \d+(\.\d+)? MiB$")]
    private static partial Regex DatabaseLine();

    // "#3 running 3.34 MiB of 7.63 MiB (43.7%) at 1.05 MiB/s, ETA 4 s http://127.0.0.1:1234/file.bin "bulk-2""
    [GeneratedRegex(@"^#\d running 3\.\d\d MiB of 7\.63 MiB \(4\d\.\d%\) at \d+(\.\d+)? (KiB|MiB|GiB)/s, ETA (\d+ s|\d+ min \d+ s|\d+ h \d\d min) http://127\.0\.0\.1:\d+/file\.bin ""bulk-\d""$")]
    private static partial Regex TransferLine();

    // "#7 running 0 B http://127.0.0.1:1234/file.bin "bulk-6"": waiting for a slot, nothing received yet.
    [GeneratedRegex(@"^#\d running 0 B http://127\.0\.0\.1:\d+/file\.bin ""bulk-\d""$")]
    private static partial Regex QueuedLine();
}

using System.Diagnostics;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// Kills the app and the daemon at random points and checks every file byte for byte and every event delivered
/// exactly once. CI runs a few trials; <c>URLSESSIOND_SOAK_TRIALS=200 scripts/soak-background.sh</c> runs the soak.
/// </summary>
public sealed class SoakTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Random_kills_of_app_and_daemon_never_corrupt_a_file_or_repeat_an_event()
    {
        int trials = int.TryParse(Environment.GetEnvironmentVariable("URLSESSIOND_SOAK_TRIALS"), out int n) && n > 0 ? n : 3;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("URLSESSIOND_SOAK_SEED"), out int s) ? s : Environment.TickCount;
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        int appKills = 0, daemonKills = 0, delivered = 0, neverCreated = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            string context = $"trial {trial} (seed {seed})";
            int size = random.Next(200_000, 4_000_000);
            await using var server = await FileServer.StartAsync(size, stallAfter: random.Next(1, size));
            await using var world = new DaemonWorld();
            await world.StartDaemonAsync();

            // The app may die at any moment after asking for the download.
            using var app = world.StartApp("start", server.Url.AbsoluteUri, $"trial-{trial}");
            string? started;
            if (random.Next(3) == 0)
            {
                await Task.Delay(random.Next(0, 400), Ct);
                app.Kill();
                appKills++;
                await app.WaitForExitAsync(Ct);
                started = (await app.StandardOutput.ReadToEndAsync(Ct)).Split('\n').FirstOrDefault(l => l.StartsWith("started", StringComparison.Ordinal));
            }
            else
            {
                started = await app.StandardOutput.ReadLineAsync(Ct);
                await app.WaitForExitAsync(Ct);
            }
            var held = (await world.ListAsync()).SelectMany(x => x.Tasks).ToList();
            if (started is not null)
                Assert.True(held.Count == 1, $"{context}: the app saw 'started' but the daemon holds {held.Count} tasks");
            if (held.Count == 0)
            {
                neverCreated++;
                Assert.Empty(Directory.GetFiles(world.StateFolder, "*.download", SearchOption.AllDirectories));
                continue;
            }

            // The daemon may die mid-transfer, once or twice, and comes back.
            await server.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            for (int kills = random.Next(0, 3); kills > 0; kills--)
            {
                await Task.Delay(random.Next(0, 60), Ct);
                await world.KillDaemonAsync();
                daemonKills++;
                await world.StartDaemonAsync();
                if (kills == 2)
                    server.Release.TrySetResult();
            }
            server.Release.TrySetResult();
            await world.UntilAsync(x => x.Any(y => y.PendingEvents == 2), $"{context}: the events", seconds: 120);

            var (code, lines) = await world.RunAppAsync("attach", world.Destination);
            Assert.True(code == 0, $"{context}: attach exited {code}: {string.Join(" | ", lines)}");
            Assert.Equal(1, lines.Count(l => l.StartsWith("finished #1 ", StringComparison.Ordinal)));
            Assert.Equal(1, lines.Count(l => l == "complete #1 ok"));
            Assert.Equal(1, lines.Count(l => l == "events done"));
            var file = await File.ReadAllBytesAsync(Path.Combine(world.Destination, "1.bin"), Ct);
            Assert.True(server.Content.AsSpan().SequenceEqual(file), $"{context}: the file differs ({file.Length} of {server.Content.Length} bytes)");
            Assert.Equal(["nothing held"], (await world.RunAppAsync("attach", world.Destination)).Lines);
            delivered++;
        }
        TestContext.Current.SendDiagnosticMessage(
            $"soak: {trials} trials in {clock.Elapsed.TotalSeconds:0} s, seed {seed}: {delivered} files delivered exactly once and byte-exact, {neverCreated} tasks never created (app killed first), {appKills} app kills, {daemonKills} daemon kills, 0 corrupt");
        Console.WriteLine($"soak: {trials} trials, {delivered} delivered, {neverCreated} never created, {appKills} app kills, {daemonKills} daemon kills, 0 corrupt, 0 repeated events");
    }
}

using UrlLoading.Background;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// A large background download checkpoints on a budget (an eighth of the bytes on disk, 1 to 64 MiB, or a second),
/// not after every MiB: a 128 MB file costs a few dozen checkpoints instead of 122. That small files still checkpoint
/// every MiB, and that <c>kill -9</c> loses at most one checkpoint, is
/// <c>Killing_the_daemon_mid_transfer_loses_at_most_a_checkpoint_and_the_file_is_exact</c>.
/// </summary>
public sealed class CheckpointBudgetTests
{
    private const int Size = 128_000_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_large_download_records_far_fewer_checkpoints_than_one_per_MiB()
    {
        await using var server = await FileServer.StartAsync(size: Size);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        long before = (await StatusAsync(world)).CommittedWrites;
        Assert.Equal(0, (await world.RunAppAsync("start", server.Url.AbsoluteUri, "large")).Code);
        await world.UntilAsync(s => s.Any(x => x.PendingEvents == 2), "the download to finish", seconds: 120);
        var status = await StatusAsync(world);

        // Besides the checkpoints: the session saved, the task added, its two events journaled.
        long checkpoints = status.CommittedWrites - before - 4;
        long perMiB = Size / (1024 * 1024);
        Assert.True(checkpoints <= perMiB * 2 / 3, $"{checkpoints} checkpoints for {perMiB} MiB");
        var (_, lines) = await world.RunAppAsync("attach", world.Destination);
        Assert.Contains($"finished #1 large {Size} 200", lines);
        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Path.Combine(world.Destination, "1.bin"), Ct));
        TestContext.Current.SendDiagnosticMessage($"{checkpoints} checkpoints for {perMiB} MiB");
    }

    private static async Task<StatusResult> StatusAsync(DaemonWorld world)
    {
        await using var rpc = await world.ConnectAsync();
        return await rpc.InvokeAsync(BackgroundProtocol.Status, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.StatusResult);
    }
}

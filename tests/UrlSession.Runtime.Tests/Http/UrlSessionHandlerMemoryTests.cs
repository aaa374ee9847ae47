using System.Diagnostics;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Http;

[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements;

/// <summary>Alone in the process (no test runs beside it), so the allocation and working-set counters are its own.</summary>
[Collection(nameof(MemoryMeasurements))]
public sealed class UrlSessionHandlerMemoryTests(TestServer server, ITestOutputHelper output)
{
    private const long OneGiB = 1L << 30;

    [Fact]
    public async Task A_one_GiB_body_read_through_the_stream_keeps_memory_flat()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var client = new HttpClient(new UrlSessionHandler(session)) { Timeout = Timeout.InfiniteTimeSpan };
        var ct = TestContext.Current.CancellationToken;
        var buffer = new byte[64 * 1024];
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long workingSetBefore = Environment.WorkingSet;
        long peakWorkingSet = workingSetBefore;
        var clock = Stopwatch.StartNew();

        using var response = await client.GetAsync(server.Url($"/bytes/{OneGiB}"), HttpCompletionOption.ResponseHeadersRead, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        long total = 0;
        int reads = 0;
        for (int n; (n = await body.ReadAsync(buffer, ct)) > 0; total += n)
        {
            // Spot checks: the first byte of every read is where the server put it.
            Assert.Equal(TestServer.Pattern(total), buffer[0]);
            if (++reads % 512 == 0)
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
        }

        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long growth = peakWorkingSet - workingSetBefore;
        output.WriteLine($"1 GiB in {clock.Elapsed.TotalSeconds:F2} s ({OneGiB / clock.Elapsed.TotalSeconds / (1 << 20):F0} MiB/s), "
            + $"{reads} reads, allocated {allocated / 1024.0 / 1024:F2} MiB, working set {workingSetBefore >> 20} MiB -> peak {peakWorkingSet >> 20} MiB (+{growth >> 20} MiB)");
        Assert.Equal(OneGiB, total);
        // Flat: what the whole transfer allocates (client and in-process server) is a sliver of the body, and the
        // process does not grow with it.
        Assert.True(allocated < 64L << 20, $"allocated {allocated} bytes for a 1 GiB body");
        Assert.True(growth < 96L << 20, $"the working set grew by {growth} bytes while reading a 1 GiB body");
    }
}

using System.IO.Compression;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Security;

/// <summary>
/// The attacks of issue 12, each measured: they run alone, so that the process's allocation count is this transfer's.
/// Without the limit each allocates at least the 256 MiB (or endless) body; with it, about twice the 1 MiB limit.
/// </summary>
[Collection("Memory measured")]
public sealed class BodyLimitMemoryTests
{
    /// <summary>Room for the session, the connection and the body's doublings up to the limit.</summary>
    private const long AllocationBudget = 16 * 1024 * 1024;

    private const int BombSize = 256 * 1024 * 1024;

    private static readonly Lazy<byte[]> s_gzipBomb =
        new(() => Bomb(output => new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true)));

    private static readonly Lazy<byte[]> s_brotliBomb =
        new(() => Bomb(output => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true)));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_gzip_bomb_into_DataAsync_fails_with_DataLengthExceedsMaximum_within_the_limit()
    {
        byte[] bomb = s_gzipBomb.Value;
        Assert.True(bomb.Length < BombSize / 500, $"The gzip bomb is {bomb.Length} bytes.");
        await using var raw = BodyLimitTests.Serving(bomb, chunked: false, "Content-Encoding: gzip\r\n");
        await using var session = new UrlSession(BodyLimitTests.Limited());
        var (error, allocated) = await MeasureAsync(
            () => Assert.ThrowsAsync<UrlError>(() => session.DataAsync(raw.Url(), Ct)));
        Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, error.Code);
        Assert.Contains("decoding", error.Message, StringComparison.Ordinal);
        AssertWithinBudget(allocated);
    }

    [Fact]
    public async Task A_brotli_bomb_into_a_completion_handler_fails_with_DataLengthExceedsMaximum_and_nothing_else()
    {
        byte[] bomb = s_brotliBomb.Value;
        Assert.True(bomb.Length < BombSize / 500, $"The brotli bomb is {bomb.Length} bytes.");
        await using var raw = BodyLimitTests.Serving(bomb, chunked: true, "Content-Encoding: br\r\n");
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(BodyLimitTests.Limited(), recorder);
        int calls = 0;
        var done = new TaskCompletionSource<(byte[]? Data, UrlResponse? Response, UrlError? Error)>(
            TaskCreationOptions.RunContinuationsAsynchronously);
        UrlSessionDataTask? task = null;
        var (result, allocated) = await MeasureAsync(() =>
        {
            task = session.DataTask(raw.Url(), (data, response, error) =>
            {
                Interlocked.Increment(ref calls);
                done.TrySetResult((data, response, error));
            });
            task.Resume();
            return done.Task.WaitAsync(Ct);
        });
        Assert.Null(result.Data);
        Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, result.Error!.Code);
        Assert.Equal(200, ((HttpUrlResponse)result.Response!).StatusCode);
        AssertWithinBudget(allocated);
        // Besides its metrics, the completion handler is the task's only message: no response, data or completion
        // reaches the delegate.
        session.FinishTasksAndInvalidate();
        await recorder.Invalidated.WaitAsync(Ct);
        Assert.Equal(1, calls);
        Assert.Equal(["metrics 1"], recorder.EventsOf(task!));
    }

    [Fact]
    public async Task An_endless_chunked_body_into_DataAsync_fails_with_DataLengthExceedsMaximum_within_the_limit()
    {
        var closed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await BodyLimitTests.ReadRequestAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            closed.TrySetResult(await BodyLimitTests.SendChunksAsync(socket, long.MaxValue, ct));
        });
        await using var session = new UrlSession(BodyLimitTests.Limited());
        var (error, allocated) = await MeasureAsync(
            () => Assert.ThrowsAsync<UrlError>(() => session.DataAsync(raw.Url(), Ct)));
        Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, error.Code);
        AssertWithinBudget(allocated);
        // The task let go of the connection: the server's next writes failed.
        Assert.True(await closed.Task.WaitAsync(Ct) >= 1024 * 1024);
    }

    [Fact]
    public async Task An_upload_answered_with_a_gzip_bomb_fails_with_DataLengthExceedsMaximum_within_the_limit()
    {
        byte[] bomb = s_gzipBomb.Value;
        await using var raw = BodyLimitTests.Serving(bomb, chunked: false, "Content-Encoding: gzip\r\n");
        await using var session = new UrlSession(BodyLimitTests.Limited());
        var request = new UrlRequest(raw.Url()) { HttpMethod = "POST" };
        var (error, allocated) = await MeasureAsync(
            () => Assert.ThrowsAsync<UrlError>(() => session.UploadAsync(request, "payload"u8.ToArray(), Ct)));
        Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, error.Code);
        AssertWithinBudget(allocated);
    }

    /// <summary>256 MiB of zeros, compressed once per test run.</summary>
    private static byte[] Bomb(Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        var zeros = new byte[1024 * 1024];
        using (var compressing = compressor(output))
        {
            for (int written = 0; written < BombSize; written += zeros.Length)
                compressing.Write(zeros);
        }
        return output.ToArray();
    }

    /// <summary>What the process allocated while <paramref name="transfer"/> ran (the collection runs alone).</summary>
    private static async Task<(T Result, long Allocated)> MeasureAsync<T>(Func<Task<T>> transfer)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await transfer();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        TestContext.Current.TestOutputHelper?.WriteLine($"allocated during the transfer: {allocated:N0} bytes");
        return (result, allocated);
    }

    private static void AssertWithinBudget(long allocated) =>
        Assert.True(allocated < AllocationBudget,
            $"The transfer allocated {allocated:N0} bytes; the limit is 1 MiB, the budget {AllocationBudget:N0}.");
}

/// <summary>Runs alone, so that what the process allocates is what the measured transfer allocates.</summary>
[CollectionDefinition("Memory measured", DisableParallelization = true)]
public sealed class MemoryMeasuredCollection;

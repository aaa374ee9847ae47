using System.Globalization;
using System.Net.Sockets;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Security;

/// <summary>
/// A hostile server's body cannot fill memory: what a task keeps in memory stops at
/// <see cref="UrlSessionConfiguration.MaximumInMemoryBodySize"/>, decompressed bytes counted.
/// </summary>
public sealed class BodyLimitTests(TestServer server)
{
    private const int Limit = 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void MaximumInMemoryBodySize_is_64_MiB_by_default_refuses_what_no_array_holds_and_is_copied()
    {
        var configuration = UrlSessionConfiguration.Default;
        Assert.Equal(64L * 1024 * 1024, configuration.MaximumInMemoryBodySize);
        foreach (long invalid in new[] { 0L, -1L, Array.MaxLength + 1L, long.MaxValue })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => configuration.MaximumInMemoryBodySize = invalid);
            Assert.Equal(nameof(UrlSessionConfiguration.MaximumInMemoryBodySize), e.ParamName);
            Assert.Contains("download task", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(64L * 1024 * 1024, configuration.MaximumInMemoryBodySize);

        configuration.MaximumInMemoryBodySize = Array.MaxLength;
        configuration.MaximumInMemoryBodySize = 1;
        var copy = configuration.Clone();
        configuration.MaximumInMemoryBodySize = 2;
        Assert.Equal(1, copy.MaximumInMemoryBodySize);
        using var session = new UrlSession(copy).AsDisposable();
#pragma warning disable US4001 // the point: a change after the session was created has no effect on it
        copy.MaximumInMemoryBodySize = 3;
#pragma warning restore US4001
        Assert.Equal(1, session.Value.Configuration.MaximumInMemoryBodySize);
    }

    [Fact]
    public async Task A_body_exactly_at_the_limit_succeeds_and_one_byte_more_fails_with_or_without_Content_Length()
    {
        await using var session = new UrlSession(Limited());
        foreach (bool chunked in new[] { false, true })
        {
            await using var exact = Serving(Pattern(Limit), chunked);
            var (data, _) = await session.DataAsync(exact.Url(), Ct);
            Assert.Equal(Pattern(Limit), data);

            await using var over = Serving(Pattern(Limit + 1), chunked);
            var error = await Assert.ThrowsAsync<UrlError>(() => session.DataAsync(over.Url(), Ct));
            Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, error.Code);
            Assert.Equal(-1103, (int)error.Code);
            Assert.Contains("MaximumInMemoryBodySize", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_Content_Length_over_the_limit_fails_before_any_body_byte_is_read()
    {
        // The server announces a terabyte and then sends nothing: only a task that refuses at the headers completes.
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await ReadRequestAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        await using var session = new UrlSession(Limited());
        var done = new TaskCompletionSource<(byte[]? Data, UrlResponse? Response, UrlError? Error)>(
            TaskCreationOptions.RunContinuationsAsynchronously);
        var task = session.DataTask(raw.Url(), (data, response, error) => done.TrySetResult((data, response, error)));
        task.Resume();
        var (body, answer, failure) = await done.Task.WaitAsync(Ct);
        Assert.Null(body);
        Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, failure!.Code);
        Assert.Contains("1099511627776", failure.Message, StringComparison.Ordinal);
        Assert.Equal(200, ((HttpUrlResponse)answer!).StatusCode);
        Assert.Equal(0, task.CountOfBytesReceived);
    }

    [Fact]
    public async Task A_data_task_whose_delegate_receives_the_chunks_is_not_limited()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(Limited(), recorder);
        var task = session.DataTask(server.Url($"/bytes/{4 * Limit}"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(4 * Limit, recorder.Body.Length);
    }

    [Fact]
    public async Task A_download_of_a_body_over_the_limit_succeeds_with_every_byte_on_disk()
    {
        var configuration = Limited();
        configuration.DownloadDirectory = Directory.CreateTempSubdirectory("body-limit-").FullName;
        await using var session = new UrlSession(configuration);
        var (location, _) = await session.DownloadAsync(server.Url($"/bytes/{4 * Limit}"), Ct);
        try
        {
            byte[] bytes = await File.ReadAllBytesAsync(location, Ct);
            Assert.Equal(4 * Limit, bytes.Length);
            for (int i = 0; i < bytes.Length; i++)
                Assert.True(bytes[i] == TestServer.Pattern(i), $"Byte {i} differs from what the server sent.");
        }
        finally
        {
            Directory.Delete(configuration.DownloadDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task A_background_revalidation_stops_reading_a_huge_body_at_the_limit()
    {
        int requests = 0;
        var refreshClosed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await ReadRequestAsync(socket, ct);
            if (Interlocked.Increment(ref requests) == 1)
            {
                await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\n"
                    + "Cache-Control: max-age=1, stale-while-revalidate=3600\r\n"
                    + $"Age: 5\r\nDate: {DateTimeOffset.UtcNow:r}\r\n"
                    + "Content-Length: 2\r\nConnection: close\r\n\r\nv1", ct);
                return;
            }
            await RawServer.SendAsync(socket,
                "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            // Bounded, so that a regression fails the test without exhausting the machine's memory.
            refreshClosed.TrySetResult(await SendChunksAsync(socket, 256 * Limit, ct));
        });
        var configuration = Limited();
        configuration.TimeoutIntervalForRequest = TimeSpan.FromMinutes(5);
        await using var session = new UrlSession(configuration);
        Assert.Equal("v1"u8.ToArray(), (await session.DataAsync(raw.Url(), Ct)).Data);
        // Stale, within stale-while-revalidate: answered from the cache while a refresh reads the 256 MiB body behind.
        Assert.Equal("v1"u8.ToArray(), (await session.DataAsync(raw.Url(), Ct)).Data);
        long sent = await refreshClosed.Task.WaitAsync(Ct);
        // The socket buffers hold a few MiB more than the client read; an unbounded read takes all 256 MiB.
        Assert.True(sent < 64 * Limit, $"The server sent {sent} bytes to the background revalidation before it left.");
        var kept = session.Configuration.UrlCache!.CachedResponse(new UrlRequest(raw.Url()));
        Assert.Equal("v1"u8.ToArray(), kept!.Data.ToArray());
    }

    internal static UrlSessionConfiguration Limited()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.MaximumInMemoryBodySize = Limit;
        return configuration;
    }

    internal static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = TestServer.Pattern(i);
        return bytes;
    }

    /// <summary>A server answering every request with <paramref name="body"/>, chunked or with Content-Length.</summary>
    internal static RawServer Serving(ReadOnlyMemory<byte> body, bool chunked, string headers = "") =>
        new((socket, ct) => AnswerAsync(socket, body, chunked, headers, ct));

    private static async Task AnswerAsync(Socket socket, ReadOnlyMemory<byte> body, bool chunked, string headers,
        CancellationToken ct)
    {
        await ReadRequestAsync(socket, ct);
        string framing = chunked ? "Transfer-Encoding: chunked" : $"Content-Length: {body.Length}";
        await RawServer.SendAsync(socket, $"HTTP/1.1 200 OK\r\n{headers}{framing}\r\nConnection: close\r\n\r\n", ct);
        if (!chunked)
        {
            await RawServer.SendAsync(socket, body, ct);
            return;
        }
        for (int offset = 0; offset < body.Length; offset += 64 * 1024)
        {
            var chunk = body[offset..Math.Min(body.Length, offset + 64 * 1024)];
            await RawServer.SendAsync(socket, $"{chunk.Length:x}\r\n", ct);
            await RawServer.SendAsync(socket, chunk, ct);
            await RawServer.SendAsync(socket, "\r\n", ct);
        }
        await RawServer.SendAsync(socket, "0\r\n\r\n", ct);
    }

    /// <summary>Reads a request head and its Content-Length body, so that closing the socket is not a reset.</summary>
    internal static async Task ReadRequestAsync(Socket socket, CancellationToken ct)
    {
        string head = await RawServer.ReadRequestHeadAsync(socket, ct);
        const string ContentLength = "Content-Length:";
        var line = head.Split("\r\n")
            .FirstOrDefault(l => l.StartsWith(ContentLength, StringComparison.OrdinalIgnoreCase));
        long remaining = line is null ? 0 : long.Parse(line[ContentLength.Length..], CultureInfo.InvariantCulture);
        var buffer = new byte[16 * 1024];
        while (remaining > 0)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), ct);
            if (read == 0)
                return;
            remaining -= read;
        }
    }

    /// <summary>One 64 KiB chunk of zeros, with its chunked framing.</summary>
    private static readonly byte[] s_chunk = [.. "10000\r\n"u8, .. new byte[64 * 1024], .. "\r\n"u8];

    /// <summary>
    /// Sends 64 KiB chunks of a chunked body until the client goes away or <paramref name="most"/> bytes were sent
    /// (then ends the body); returns how many body bytes were sent.
    /// </summary>
    internal static async Task<long> SendChunksAsync(Socket socket, long most, CancellationToken ct)
    {
        long sent = 0;
        try
        {
            for (; sent < most; sent += 64 * 1024)
                await RawServer.SendAsync(socket, s_chunk, ct);
            await RawServer.SendAsync(socket, "0\r\n\r\n", ct);
            return sent;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return sent;
        }
    }
}

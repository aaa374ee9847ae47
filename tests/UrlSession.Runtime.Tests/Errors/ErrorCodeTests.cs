using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using UrlLoading.Tests.Infrastructure;
using UrlLoading.Transfer;

namespace UrlLoading.Tests.Errors;

public sealed class ErrorCodeTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<UrlError> FailureOf(UrlRequest request, UrlSessionConfiguration? configuration = null)
    {
        await using var session = new UrlSession(configuration ?? UrlSessionConfiguration.Ephemeral);
        return await Assert.ThrowsAsync<UrlError>(() => session.DataAsync(request, Ct));
    }

    [Fact]
    public async Task A_refused_connection_is_CannotConnectToHost()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var error = await FailureOf(new UrlRequest($"http://127.0.0.1:{port}/"));
        Assert.Equal(UrlErrorCode.CannotConnectToHost, error.Code);
        Assert.Equal(-1004, (int)error.Code);
        Assert.Equal(new Uri($"http://127.0.0.1:{port}/"), error.FailingUrl);
    }

    [Fact]
    public void A_name_resolution_failure_maps_to_CannotFindHost()
    {
        // Resolving a made-up name would send a DNS query off this machine, so the mapping is checked directly.
        using var signal = new CancellationTokenSource();
        using var clock = new TransferClock(null, signal, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var failure = new HttpRequestException(HttpRequestError.NameResolutionError, "no such host", new SocketException((int)SocketError.HostNotFound));
        Assert.Equal(UrlErrorCode.CannotFindHost, ErrorMapping.ToUrlError(failure, new Uri("http://nowhere.invalid/"), clock, cancelled: false).Code);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/file")]
    [InlineData("file:///etc/hostname")]
    public async Task An_unsupported_scheme_is_UnsupportedUrl(string url)
    {
        var error = await FailureOf(new UrlRequest(url));
        Assert.Equal(UrlErrorCode.UnsupportedUrl, error.Code);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_after_the_request_timeout()
    {
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var error = await FailureOf(new UrlRequest(raw.Url()) { TimeoutInterval = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(UrlErrorCode.TimedOut, error.Code);
        Assert.Equal(-1001, (int)error.Code);
    }

    [Fact]
    public async Task A_slow_but_live_body_never_hits_the_idle_timeout()
    {
        // 20 chunks, 100 ms apart: 2 s in total against a 1 s idle timeout (slack for a busy CI machine).
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n", ct);
            for (int i = 0; i < 20; i++)
            {
                await Task.Delay(100, ct);
                await RawServer.SendAsync(socket, "x", ct);
            }
        });
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(1);
        await using var session = new UrlSession(configuration);
        var (data, _) = await session.DataAsync(raw.Url(), Ct);
        Assert.Equal(Enumerable.Repeat((byte)'x', 20), data);
    }

    [Fact]
    public async Task The_resource_timeout_bounds_the_whole_task_even_while_bytes_flow()
    {
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", ct);
            for (int i = 0; i < 1000; i++)
            {
                await Task.Delay(50, ct);
                await RawServer.SendAsync(socket, "x", ct);
            }
        });
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(10);
        configuration.TimeoutIntervalForResource = TimeSpan.FromMilliseconds(700);
        var error = await FailureOf(new UrlRequest(raw.Url()), configuration);
        Assert.Equal(UrlErrorCode.TimedOut, error.Code);
    }

    [Fact]
    public async Task Garbage_instead_of_HTTP_is_BadServerResponse()
    {
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HELLO THERE\r\n\r\n", ct);
        });
        Assert.Equal(UrlErrorCode.BadServerResponse, (await FailureOf(new UrlRequest(raw.Url()))).Code);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task A_body_that_does_not_decode_as_its_Content_Encoding_is_CannotDecodeContentData(string encoding)
    {
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            byte[] garbage = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 + 7))];
            await RawServer.SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nContent-Length: {garbage.Length}\r\nConnection: close\r\n\r\n", ct);
            await RawServer.SendAsync(socket, garbage, ct);
        });
        var error = await FailureOf(new UrlRequest(raw.Url()));
        Assert.Equal(UrlErrorCode.CannotDecodeContentData, error.Code);
        Assert.Contains(encoding, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_reset_in_the_middle_of_the_body_is_NetworkConnectionLost()
    {
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789", ct);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        });
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, (await FailureOf(new UrlRequest(raw.Url()))).Code);
    }

    [Fact]
    public async Task A_body_shorter_than_its_Content_Length_is_NetworkConnectionLost()
    {
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly this", ct);
            socket.Shutdown(SocketShutdown.Send);
        });
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, (await FailureOf(new UrlRequest(raw.Url()))).Code);
    }

    [Fact]
    public async Task A_redirect_loop_fails_with_HttpTooManyRedirects_after_the_limit()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/loop/0"));
        task.Resume();
        var error = await recorder.CompletionOf(task).WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.HttpTooManyRedirects, error!.Code);
        Assert.Equal(20, recorder.EventsOf(task).Count(e => e.StartsWith("redirect", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_redirect_limit_is_configurable()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.MaximumRedirects = 3;
        Assert.Equal(UrlErrorCode.HttpTooManyRedirects, (await FailureOf(new UrlRequest(server.Url("/loop/0")), configuration)).Code);
        configuration.MaximumRedirects = 5;
        await using var session = new UrlSession(configuration);
        var (_, response) = await session.DataAsync(server.Url("/redirect/302?to=/redirect/301%3Fto%3D/hello"), Ct);
        Assert.Equal(server.Url("/hello"), response.Url);
    }

    [Fact]
    public async Task DataAsync_cancelled_by_its_token_throws_OperationCanceledException_carrying_the_UrlError()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var cts = new CancellationTokenSource();
        var call = session.DataAsync(server.Url("/slow-headers"), cts.Token);
        cts.Cancel();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(UrlErrorCode.Cancelled, Assert.IsType<UrlError>(e.InnerException).Code);
    }
}

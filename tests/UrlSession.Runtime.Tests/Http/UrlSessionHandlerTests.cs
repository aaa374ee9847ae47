using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Http;

/// <summary>HttpClient over a session, against the Kestrel test server and raw sockets.</summary>
public sealed class UrlSessionHandlerTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpClient ClientOver(UrlSession session) => new(new UrlSessionHandler(session));

    [Fact]
    public async Task Get_returns_status_version_and_headers_split_as_HttpClient_does()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var client = ClientOver(session);
        var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/hello"));

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Same(request, response.RequestMessage);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(5, response.Content.Headers.ContentLength);
        Assert.DoesNotContain(response.Headers, h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase));
        Assert.NotNull(response.Headers.Date);
        Assert.Equal("hello", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Post_sends_the_content_and_its_headers()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var client = ClientOver(session);

        using var response = await client.PostAsync(server.Url("/echo?x=1"), new StringContent("ünïcode body", Encoding.UTF8), Ct);

        Assert.Equal("POST /echo?x=1 body=ünïcode body", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Request_content_of_unknown_length_streams_out_whole()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var client = ClientOver(session);
        var content = new PatternContent(8 * 1024 * 1024 + 13);

        using var response = await client.PutAsync(server.Url("/upload-digest"), content, Ct);

        Assert.Equal($"PUT {content.Length} {content.Sha256Hex}", await response.Content.ReadAsStringAsync(Ct));
        Assert.Null(content.Headers.ContentLength);
    }

    [Fact]
    public async Task Cookies_are_stored_in_and_sent_from_the_session_storage()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        using var client = ClientOver(session);

        using (await client.GetAsync(server.Url("/set-cookie?c=flavour%3Dginger%3B%20Path%3D%2F"), Ct))
        {
        }
        string sent = await client.GetStringAsync(server.Url("/cookies/any"), Ct);

        Assert.Equal("flavour=ginger", sent);
        Assert.Equal("ginger", Assert.Single(configuration.HttpCookieStorage!.CookiesFor(server.Url("/"))).Value);
    }

    [Fact]
    public async Task A_fresh_response_is_served_from_the_session_cache()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var client = ClientOver(session);
        string name = $"handler-{Guid.NewGuid():N}";
        var url = server.Url($"/cache/{name}?cc=max-age%3D600");

        string first = await client.GetStringAsync(url, Ct);
        using var second = await client.GetAsync(url, Ct);

        Assert.Equal($"{name} #1", first);
        Assert.Equal($"{name} #1", await second.Content.ReadAsStringAsync(Ct));
        Assert.Equal("1", second.Headers.GetValues("X-Hit").Single());
        Assert.Single(server.CacheRequests[name]);
    }

    [Fact]
    public async Task A_redirect_is_followed_and_the_request_message_has_the_final_url()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var client = ClientOver(session);

        using var response = await client.GetAsync(server.Url("/redirect/302?to=/hello"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(server.Url("/hello"), response.RequestMessage!.RequestUri);
    }

    [Fact]
    public async Task A_401_challenge_is_answered_by_the_session_delegate()
    {
        var recorder = new RecordingDelegate { OnChallenge = _ => (AuthChallengeDisposition.UseCredential, new UrlCredential("ada", "lovelace")) };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        using var client = ClientOver(session);

        string body = await client.GetStringAsync(server.Url("/basic"), Ct);

        Assert.Equal("welcome ada", body);
        // The handler takes the response and the body; the session delegate gets the rest.
        Assert.Equal(["1:challenge tests 0", "1:metrics 2", "1:complete ok"], recorder.Events);
    }

    [Fact]
    public async Task The_request_token_cancels_the_task_and_HttpClient_throws_TaskCanceledException()
    {
        var requestArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connectionClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            requestArrived.TrySetResult();
            // Never answers; the client's cancellation closes the connection.
            while (await socket.ReceiveAsync(new byte[1], ct) > 0)
            {
            }
            connectionClosed.TrySetResult();
        });
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        using var client = ClientOver(session);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var send = client.GetAsync(raw.Url("/never"), cancellation.Token);
        await requestArrived.Task.WaitAsync(Ct);
        cancellation.Cancel();

        var error = await Assert.ThrowsAsync<TaskCanceledException>(() => send);
        Assert.Equal(cancellation.Token, error.CancellationToken);
        Assert.Equal(["1:metrics 1", "1:complete Cancelled"], await EventsOnceCompleteAsync(recorder));
        await connectionClosed.Task.WaitAsync(Ct);
    }

    [Fact]
    public async Task A_refused_connection_throws_HttpRequestException_with_ConnectionError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var client = ClientOver(session);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{port}/", Ct));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.Equal(UrlErrorCode.CannotConnectToHost, Assert.IsType<UrlError>(error.InnerException).Code);
    }

    [Fact]
    public async Task The_session_timeout_throws_TaskCanceledException_with_a_TimeoutException()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.TimeoutIntervalForRequest = TimeSpan.FromMilliseconds(300);
        await using var session = new UrlSession(configuration);
        using var client = ClientOver(session);

        var error = await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync(server.Url("/slow-headers"), Ct));

        var timeout = Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal(UrlErrorCode.TimedOut, Assert.IsType<UrlError>(timeout.InnerException).Code);
    }

    [Fact]
    public async Task A_body_cut_short_throws_HttpIOException_from_the_stream()
    {
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b", ct);
        });
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var client = ClientOver(session);
        using var response = await client.GetAsync(raw.Url("/short"), HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);

        var error = await Assert.ThrowsAsync<HttpIOException>(() => body.CopyToAsync(Stream.Null, Ct));

        Assert.Equal(HttpRequestError.ResponseEnded, error.HttpRequestError);
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, Assert.IsType<UrlError>(error.InnerException).Code);
    }

    [Fact]
    public async Task Disposing_an_unread_response_cancels_its_task()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        using var client = ClientOver(session);

        var response = await client.GetAsync(server.Url("/bytes/1073741824"), HttpCompletionOption.ResponseHeadersRead, Ct);
        response.Dispose();

        Assert.Equal(["1:metrics 1", "1:complete Cancelled"], await EventsOnceCompleteAsync(recorder));
    }

    [Fact]
    public async Task A_relative_request_uri_fails_fast()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var invoker = new HttpMessageInvoker(new UrlSessionHandler(session));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri("/relative", UriKind.Relative)), Ct));

        Assert.Contains("BaseAddress", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The events of the session's first task, once its completion has been delivered.</summary>
    private static async Task<IReadOnlyList<string>> EventsOnceCompleteAsync(RecordingDelegate recorder)
    {
        await recorder.CompletionOf(taskIdentifier: 1).WaitAsync(Ct);
        return recorder.Events;
    }

    /// <summary>A body written by its content (as JSON or multipart content are), with no length known in advance.</summary>
    private sealed class PatternContent(int length) : HttpContent
    {
        public int Length => length;

        public string Sha256Hex => Convert.ToHexString(SHA256.HashData(Bytes()));

        private byte[] Bytes()
        {
            var bytes = new byte[length];
            for (int i = 0; i < length; i++)
                bytes[i] = TestServer.Pattern(i);
            return bytes;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var bytes = Bytes();
            for (int offset = 0; offset < length; offset += 100_000)
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(100_000, length - offset)));
        }

        protected override bool TryComputeLength(out long size)
        {
            size = 0;
            return false;
        }
    }
}

using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Sessions;

public sealed class SessionTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DataAsync_returns_the_body_and_the_response()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var (data, response) = await session.DataAsync(server.Url("/hello"), Ct);
        Assert.Equal("hello", Encoding.UTF8.GetString(data));
        var http = Assert.IsType<HttpUrlResponse>(response);
        Assert.Equal(200, http.StatusCode);
        Assert.Equal("text/plain", http.MimeType);
        Assert.Equal("utf-8", http.TextEncodingName);
        Assert.Equal(5, http.ExpectedContentLength);
        Assert.Equal("hello", http.SuggestedFilename);
    }

    [Fact]
    public async Task The_shared_session_works_and_ignores_invalidation()
    {
        var shared = UrlSession.Shared;
        shared.FinishTasksAndInvalidate();
        shared.InvalidateAndCancel();
        var (data, _) = await shared.DataAsync(server.Url("/hello"), Ct);
        Assert.Equal("hello", Encoding.UTF8.GetString(data));
        Assert.Same(shared, UrlSession.Shared);
    }

    [Fact]
    public async Task FinishTasksAndInvalidate_lets_tasks_finish_then_sends_DidBecomeInvalid_last()
    {
        var recorder = new RecordingDelegate();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var tasks = Enumerable.Range(0, 3).Select(_ => session.DataTask(server.Url("/bytes/100000"))).ToList();
        tasks.ForEach(t => t.Resume());
        session.FinishTasksAndInvalidate();
        var e = Assert.Throws<InvalidOperationException>(() => session.DataTask(server.Url("/hello")));
        Assert.Contains("invalidated", e.Message, StringComparison.Ordinal);
        await recorder.Invalidated.WaitAsync(Ct);
        Assert.Equal("invalid", recorder.Events[^1]);
        Assert.Equal(3, recorder.Events.Count(x => x.EndsWith(":complete ok", StringComparison.Ordinal)));
        Assert.Null(session.Delegate);
    }

    [Fact]
    public async Task InvalidateAndCancel_cancels_running_tasks_and_then_invalidates()
    {
        var recorder = new RecordingDelegate();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/slow-headers"));
        task.Resume();
        session.InvalidateAndCancel();
        await recorder.Invalidated.WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.Cancelled, (await recorder.CompletionOf(task))!.Code);
        Assert.Equal([$"{task.TaskIdentifier}:metrics 1", $"{task.TaskIdentifier}:complete Cancelled", "invalid"], recorder.Events.TakeLast(3).Where(x => !x.EndsWith("metrics 0", StringComparison.Ordinal)));
        Assert.Throws<InvalidOperationException>(() => session.DataTask(server.Url("/hello")));
    }

    [Fact]
    public async Task DisposeAsync_waits_for_the_invalidation()
    {
        var recorder = new RecordingDelegate();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        session.DataTask(server.Url("/hello")).Resume();
        await session.DisposeAsync();
        Assert.True(recorder.Invalidated.IsCompleted);
        Assert.Contains(recorder.Events, x => x.EndsWith(":complete ok", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_connection_cap_per_host_is_enforced()
    {
        // The server counts requests it holds at once; each is answered only after the count is taken down, so a
        // client can start another request only when the server has really let one go.
        async Task<int> MaxInFlightAsync(int cap)
        {
            int inFlight = 0, maxInFlight = 0;
            var gate = new object();
            await using var raw = new RawServer(async (socket, ct) =>
            {
                await RawServer.ReadRequestHeadAsync(socket, ct);
                int now = Interlocked.Increment(ref inFlight);
                lock (gate)
                    maxInFlight = Math.Max(maxInFlight, now);
                await Task.Delay(100, ct);
                Interlocked.Decrement(ref inFlight);
                await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", ct);
            });
            var configuration = UrlSessionConfiguration.Ephemeral;
            configuration.HttpMaximumConnectionsPerHost = cap;
            await using var session = new UrlSession(configuration);
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => session.DataAsync(raw.Url(), Ct)));
            return Volatile.Read(ref maxInFlight);
        }
        Assert.Equal(2, await MaxInFlightAsync(2));
        Assert.True(await MaxInFlightAsync(8) > 2);
    }

    [Fact]
    public void A_background_session_needs_a_delegate_and_no_custom_protocols_before_it_reaches_the_daemon()
    {
        // The rules that need a running daemon are proven in UrlSession.Daemon.Tests.
        var configuration = UrlSessionConfiguration.Background("tests.background.unique");
        var e = Assert.Throws<ArgumentException>(() => new UrlSession(configuration));
        Assert.Contains("delegate", e.Message, StringComparison.Ordinal);
        configuration.ProtocolClasses = [new NothingProtocol()];
        e = Assert.Throws<ArgumentException>(() => new UrlSession(configuration, new RecordingDelegate()));
        Assert.Contains("ProtocolClasses", e.Message, StringComparison.Ordinal);
    }

    private sealed class NothingProtocol : UrlProtocol
    {
        public override bool CanInit(UrlRequest request) => false;
    }

    [Fact]
    public async Task A_request_body_is_sent_with_its_content_type()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var request = new UrlRequest(server.Url("/echo")) { HttpMethod = "PUT", HttpBody = "data"u8.ToArray() }.WithHeader("Content-Type", "text/plain");
        var (data, _) = await session.DataAsync(request, Ct);
        Assert.Equal("PUT /echo body=data", Encoding.UTF8.GetString(data));
        var streamed = new UrlRequest(server.Url("/echo")) { HttpMethod = "POST", HttpBodyStream = () => new MemoryStream("streamed"u8.ToArray()) };
        (data, _) = await session.DataAsync(streamed, Ct);
        Assert.Equal("POST /echo body=streamed", Encoding.UTF8.GetString(data));
    }
}

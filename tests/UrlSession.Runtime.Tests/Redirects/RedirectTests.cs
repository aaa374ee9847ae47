using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Redirects;

public sealed class RedirectTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(301, "GET /echo body=")]
    [InlineData(302, "GET /echo body=")]
    [InlineData(303, "GET /echo body=")]
    [InlineData(307, "POST /echo body=payload")]
    [InlineData(308, "POST /echo body=payload")]
    public async Task A_redirected_POST_follows_Apples_method_and_body_rules(int status, string expected)
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var request = new UrlRequest(server.Url($"/redirect/{status}?to=/echo"))
        {
            HttpMethod = "POST",
            HttpBody = Encoding.UTF8.GetBytes("payload"),
        }.WithHeader("Content-Type", "text/plain");
        var (data, response) = await session.DataAsync(request, Ct);
        Assert.Equal(expected, Encoding.UTF8.GetString(data));
        Assert.Equal(server.Url("/echo"), response.Url);
    }

    [Fact]
    public async Task A_303_turns_any_method_into_GET()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var (data, _) = await session.DataAsync(new UrlRequest(server.Url("/redirect/303?to=/echo")) { HttpMethod = "PUT", HttpBody = "x"u8.ToArray() }, Ct);
        Assert.Equal("GET /echo body=", Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task The_delegate_sees_the_redirect_and_may_change_the_next_request()
    {
        var recorder = new RecordingDelegate { OnRedirect = (_, next) => next.WithHeader("X-Added", "by-delegate") with { Url = new Uri(next.Url, "/echo-headers") } };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/redirect/302?to=/hello"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(["redirect 302 GET /hello", "response 200", "data", "metrics 2", "complete ok"], recorder.EventsOf(task));
        Assert.Contains("X-Added: by-delegate", Encoding.UTF8.GetString(recorder.Body.ToArray()), StringComparison.Ordinal);
        Assert.Equal(server.Url("/echo-headers"), task.CurrentRequest.Url);
        Assert.Equal(server.Url("/redirect/302?to=/hello"), task.OriginalRequest.Url);
    }

    [Fact]
    public async Task Refusing_a_redirect_delivers_the_3xx_response_and_its_body()
    {
        var recorder = new RecordingDelegate { OnRedirect = (_, _) => null };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/redirect/301?to=/hello"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(["redirect 301 GET /hello", "response 301", "data", "metrics 1", "complete ok"], recorder.EventsOf(task));
        Assert.Equal("redirect body 301", Encoding.UTF8.GetString(recorder.Body.ToArray()));
        Assert.Equal("/hello", ((HttpUrlResponse)task.Response!).ValueForHttpHeaderField("location"));
    }

    [Fact]
    public async Task Without_a_redirect_callback_the_session_follows()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var (data, response) = await session.DataAsync(server.Url("/redirect/307?to=/hello"), Ct);
        Assert.Equal("hello", Encoding.UTF8.GetString(data));
        Assert.Equal(200, ((HttpUrlResponse)response).StatusCode);
    }

    [Fact]
    public async Task A_300_or_a_redirect_without_Location_is_delivered_as_is()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var (_, response) = await session.DataAsync(server.Url("/redirect/300?to=/hello"), Ct);
        Assert.Equal(300, ((HttpUrlResponse)response).StatusCode);
    }

    [Fact]
    public async Task A_redirect_to_another_origin_drops_the_Authorization_header()
    {
        await using var other = new RawServer(async (socket, ct) =>
        {
            string head = await RawServer.ReadRequestHeadAsync(socket, ct);
            string body = head.Contains("Authorization", StringComparison.OrdinalIgnoreCase) ? "leaked" : "clean";
            await RawServer.SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}", ct);
        });
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var request = new UrlRequest(server.Url($"/redirect/302?to={Uri.EscapeDataString(other.Url("/x").ToString())}")).WithHeader("Authorization", "Bearer secret");
        var (data, _) = await session.DataAsync(request, Ct);
        Assert.Equal("clean", Encoding.UTF8.GetString(data));
    }
}

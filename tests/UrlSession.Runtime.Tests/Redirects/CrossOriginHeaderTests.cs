using System.Collections.Concurrent;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Redirects;

/// <summary>
/// App-set <c>Authorization</c>, <c>Proxy-Authorization</c> and <c>Cookie</c> stay with the origin they were set for
/// (curl's rule, CVE-2018-1000007 and CVE-2022-27776): a redirect that changes host or port drops them, whether the
/// request or the configuration's additional headers carried them; the session's cookie storage decides what the new
/// origin gets.
/// </summary>
public sealed class CrossOriginHeaderTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly (string Name, string Value)[] s_secrets =
        [("Authorization", "Bearer app-token"), ("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0"), ("Cookie", "app=secret")];

    private static (UrlSessionConfiguration, UrlRequest) Carrying(Uri url, bool inConfiguration)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        var request = new UrlRequest(url);
        if (inConfiguration)
            configuration.HttpAdditionalHeaders = s_secrets.ToDictionary(h => h.Name, h => h.Value);
        else
            foreach (var (name, value) in s_secrets)
                request = request.WithHeader(name, value);
        return (configuration, request);
    }

    private Uri RedirectTo(Uri target) => server.Url($"/redirect/302?to={Uri.EscapeDataString(target.ToString())}");

    private static string[] HeaderLines(string head) => head.Split("\r\n");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_redirect_to_another_port_drops_app_credentials_and_cookies_but_sends_the_storages(bool inConfiguration)
    {
        var heads = new ConcurrentQueue<string>();
        await using var other = new RawServer(async (socket, ct) =>
        {
            heads.Enqueue(await RawServer.ReadRequestHeadAsync(socket, ct));
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", ct);
        });
        var (configuration, request) = Carrying(RedirectTo(other.Url("/landing")), inConfiguration);
        await using var session = new UrlSession(configuration);
        // A cookie the storage holds for 127.0.0.1: cookies ignore the port, so it is the storage's to send there.
        await session.DataAsync(server.Url("/set-cookie?c=" + Uri.EscapeDataString("stored=1; Path=/")), Ct);

        var (data, _) = await session.DataAsync(request, Ct);

        Assert.Equal("ok", Encoding.ASCII.GetString(data));
        string[] lines = HeaderLines(Assert.Single(heads));
        Assert.DoesNotContain(lines, l => l.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(["Cookie: stored=1"], lines.Where(l => l.StartsWith("Cookie:", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_redirect_to_another_host_on_the_same_port_drops_app_credentials_and_cookies(bool inConfiguration)
    {
        // 127.0.0.1 and localhost are the same Kestrel, but different origins (and different cookie hosts).
        var target = new UriBuilder(server.Url("/echo-headers")) { Host = "localhost" }.Uri;
        var (configuration, request) = Carrying(RedirectTo(target), inConfiguration);
        await using var session = new UrlSession(configuration);
        await session.DataAsync(server.Url("/set-cookie?c=" + Uri.EscapeDataString("stored=1; Path=/")), Ct);

        var (data, response) = await session.DataAsync(request, Ct);

        Assert.Equal(target, response.Url);
        string[] lines = Encoding.UTF8.GetString(data).Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("Cookie:", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_same_origin_redirect_keeps_app_credentials_and_cookies(bool inConfiguration)
    {
        var (configuration, request) = Carrying(server.Url("/redirect/302?to=/echo-headers"), inConfiguration);
        await using var session = new UrlSession(configuration);

        var (data, response) = await session.DataAsync(request, Ct);

        Assert.Equal(server.Url("/echo-headers"), response.Url);
        string[] lines = Encoding.UTF8.GetString(data).Split('\n');
        foreach (var (name, value) in s_secrets)
            Assert.Contains($"{name}: {value}", lines);
    }

    [Fact]
    public async Task The_redirect_delegate_may_give_the_new_origin_credentials_of_its_own()
    {
        var target = new UriBuilder(server.Url("/echo-headers")) { Host = "localhost" }.Uri;
        var recorder = new RecordingDelegate { OnRedirect = (_, next) => next.WithHeader("Authorization", "Bearer for-localhost") };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(new UrlRequest(RedirectTo(target)).WithHeader("Authorization", "Bearer for-127"));
        task.Resume();

        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        string[] lines = Encoding.UTF8.GetString(recorder.Body.ToArray()).Split('\n');
        Assert.Contains("Authorization: Bearer for-localhost", lines);
        Assert.DoesNotContain("Authorization: Bearer for-127", lines);
    }
}

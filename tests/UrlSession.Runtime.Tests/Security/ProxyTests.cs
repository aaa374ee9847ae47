using System.Collections.Concurrent;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Security;

/// <summary>The session's proxies, against a loopback proxy that answers itself (it never connects anywhere).</summary>
public sealed partial class ProxyTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string s_proxyCredential = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("pp:secret"));

    private sealed class Proxy : IAsyncDisposable
    {
        private readonly RawServer _raw;

        public Proxy(bool requireAuthentication)
        {
            _raw = new RawServer(async (socket, ct) =>
            {
                string head = await RawServer.ReadRequestHeadAsync(socket, ct);
                string requestLine = head.Split("\r\n")[0];
                Seen.Enqueue(head);
                if (requireAuthentication && !head.Contains($"Proxy-Authorization: {s_proxyCredential}", StringComparison.Ordinal))
                {
                    await RawServer.SendAsync(socket, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
                    return;
                }
                string body = $"via proxy: {requestLine}";
                await RawServer.SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}", ct);
            });
        }

        public ConcurrentQueue<string> Seen { get; } = new();

        public Uri Address => _raw.Url();

        public ValueTask DisposeAsync() => _raw.DisposeAsync();
    }

    [UrlSessionDelegate]
    private sealed partial class ProxyLogin
    {
        public List<UrlAuthenticationChallenge> Challenges { get; } = [];

        private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
        {
            Challenges.Add(challenge);
            return (AuthChallengeDisposition.UseCredential, new UrlCredential("pp", "secret"));
        }
    }

    private static async Task<(string Body, HttpUrlResponse Response)> LoadAsync(Uri url, UrlProxyConfiguration proxy, IUrlSessionDelegate? @delegate = null)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.ConnectionProxy = proxy;
        await using var session = new UrlSession(configuration, @delegate);
        var (data, response) = await session.DataAsync(url, Ct);
        return (Encoding.UTF8.GetString(data), (HttpUrlResponse)response);
    }

    [Fact]
    public async Task Http_requests_go_to_the_http_proxy_with_the_absolute_URL()
    {
        await using var proxy = new Proxy(requireAuthentication: false);
        var (body, _) = await LoadAsync(new Uri("http://127.0.0.1:9/page?x=1"), new UrlProxyConfiguration { HttpProxy = proxy.Address });
        Assert.Equal("via proxy: GET http://127.0.0.1:9/page?x=1 HTTP/1.1", body);
    }

    [Fact]
    public async Task Hosts_in_the_exceptions_list_are_reached_directly()
    {
        await using var proxy = new Proxy(requireAuthentication: false);
        var (body, _) = await LoadAsync(server.Url("/hello"), new UrlProxyConfiguration { HttpProxy = proxy.Address, Exceptions = ["127.0.0.1"] });
        Assert.Equal("hello", body);
        Assert.Empty(proxy.Seen);
    }

    [Fact]
    public async Task A_407_raises_a_proxy_challenge_and_the_credential_goes_to_the_proxy()
    {
        await using var proxy = new Proxy(requireAuthentication: true);
        var login = new ProxyLogin();
        var (body, response) = await LoadAsync(new Uri("http://127.0.0.1:9/page"), new UrlProxyConfiguration { HttpProxy = proxy.Address }, login);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("via proxy: GET http://127.0.0.1:9/page HTTP/1.1", body);
        var challenge = Assert.Single(login.Challenges);
        Assert.True(challenge.ProtectionSpace.IsProxy);
        Assert.Equal(("127.0.0.1", proxy.Address.Port, "proxy"), (challenge.ProtectionSpace.Host, challenge.ProtectionSpace.Port, challenge.ProtectionSpace.Realm));
        Assert.Equal(407, ((HttpUrlResponse)challenge.FailureResponse!).StatusCode);
        Assert.DoesNotContain("\r\nAuthorization:", proxy.Seen.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_answer_the_407_is_delivered_as_the_response()
    {
        await using var proxy = new Proxy(requireAuthentication: true);
        var (_, response) = await LoadAsync(new Uri("http://127.0.0.1:9/page"), new UrlProxyConfiguration { HttpProxy = proxy.Address });
        Assert.Equal(407, response.StatusCode);
    }
}

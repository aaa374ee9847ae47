using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Security;

/// <summary>HTTPS through the session's HTTPS proxy: a CONNECT tunnel on loopback to a TLS server nobody trusts but the test.</summary>
public sealed partial class ProxyTests
{
    /// <summary>A proxy that opens CONNECT tunnels (after a Basic login when <c>requireAuthentication</c>) and copies bytes both ways.</summary>
    private sealed class TunnelProxy : IAsyncDisposable
    {
        private readonly RawServer _raw;

        public TunnelProxy(bool requireAuthentication)
        {
            _raw = new RawServer(async (socket, ct) =>
            {
                while (true)
                {
                    string head = await RawServer.ReadRequestHeadAsync(socket, ct);
                    if (head.Length == 0)
                        return;
                    Seen.Enqueue(head.Split("\r\n")[0]);
                    if (requireAuthentication && !head.Contains($"Proxy-Authorization: {s_proxyCredential}", StringComparison.Ordinal))
                    {
                        await RawServer.SendAsync(socket, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"tunnel\"\r\nContent-Length: 0\r\n\r\n", ct);
                        continue;
                    }
                    string[] target = head.Split(' ')[1].Split(':');
                    using var upstream = new TcpClient();
                    await upstream.ConnectAsync(target[0], int.Parse(target[1]), ct);
                    await RawServer.SendAsync(socket, "HTTP/1.1 200 Connection established\r\n\r\n", ct);
                    await using var client = new NetworkStream(socket, ownsSocket: false);
                    var server = upstream.GetStream();
                    await Task.WhenAny(client.CopyToAsync(server, ct), server.CopyToAsync(client, ct));
                    return;
                }
            });
        }

        public ConcurrentQueue<string> Seen { get; } = new();

        public Uri Address => _raw.Url();

        public ValueTask DisposeAsync() => _raw.DisposeAsync();
    }

    [UrlSessionDelegate]
    private sealed partial class Pinning(TlsServer server, UrlCredential? proxyCredential)
    {
        public List<UrlAuthenticationChallenge> TaskChallenges { get; } = [];

        private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge) =>
            challenge.ProtectionSpace.ServerTrust is { } trust && trust.Sha256Fingerprint == Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(server.Certificate.RawData))
                ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust))
                : (AuthChallengeDisposition.PerformDefaultHandling, null);

        private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
        {
            TaskChallenges.Add(challenge);
            return proxyCredential is null ? (AuthChallengeDisposition.PerformDefaultHandling, null) : (AuthChallengeDisposition.UseCredential, proxyCredential);
        }
    }

    private static async Task<(string? Body, UrlError? Error)> LoadThroughTunnelAsync(TlsServer server, TunnelProxy proxy, Pinning pinning, params string[] exceptions)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.ConnectionProxy = new UrlProxyConfiguration { HttpsProxy = proxy.Address, Exceptions = exceptions };
        await using var session = new UrlSession(configuration, pinning);
        try
        {
            var (data, _) = await session.DataAsync(server.Url, Ct);
            return (Encoding.UTF8.GetString(data), null);
        }
        catch (UrlError e)
        {
            return (null, e);
        }
    }

    [Fact]
    public async Task Https_requests_go_through_a_CONNECT_tunnel_of_the_https_proxy_and_TLS_runs_end_to_end()
    {
        await using var server = await TlsServer.StartAsync();
        await using var proxy = new TunnelProxy(requireAuthentication: false);
        var (body, error) = await LoadThroughTunnelAsync(server, proxy, new Pinning(server, null));
        Assert.Null(error);
        Assert.StartsWith("over Tls", body, StringComparison.Ordinal);
        Assert.Equal([$"CONNECT 127.0.0.1:{server.Url.Port} HTTP/1.1"], proxy.Seen);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task An_https_host_in_the_exceptions_list_is_reached_directly()
    {
        await using var server = await TlsServer.StartAsync();
        await using var proxy = new TunnelProxy(requireAuthentication: false);
        var (body, error) = await LoadThroughTunnelAsync(server, proxy, new Pinning(server, null), "127.0.0.1");
        Assert.Null(error);
        Assert.StartsWith("over Tls", body, StringComparison.Ordinal);
        Assert.Empty(proxy.Seen);
    }

    [Fact]
    public async Task A_407_to_CONNECT_raises_a_proxy_challenge_and_the_tunnel_opens_with_the_credential()
    {
        await using var server = await TlsServer.StartAsync();
        await using var proxy = new TunnelProxy(requireAuthentication: true);
        var pinning = new Pinning(server, new UrlCredential("pp", "secret"));
        var (body, error) = await LoadThroughTunnelAsync(server, proxy, pinning);
        Assert.Null(error);
        Assert.StartsWith("over Tls", body, StringComparison.Ordinal);
        var space = Assert.Single(pinning.TaskChallenges).ProtectionSpace;
        Assert.True(space.IsProxy);
        Assert.Equal(("127.0.0.1", proxy.Address.Port), (space.Host, space.Port));
        // The refused CONNECT, then the login (the handler asks once more before it sends Basic), all to the same target.
        Assert.All(proxy.Seen, line => Assert.Equal($"CONNECT 127.0.0.1:{server.Url.Port} HTTP/1.1", line));
        Assert.InRange(proxy.Seen.Count, 2, 3);
    }

    [Fact]
    public async Task A_407_to_CONNECT_without_an_answer_fails_with_UserAuthenticationRequired_naming_the_proxy()
    {
        await using var server = await TlsServer.StartAsync();
        await using var proxy = new TunnelProxy(requireAuthentication: true);
        var (_, error) = await LoadThroughTunnelAsync(server, proxy, new Pinning(server, null));
        Assert.Equal(UrlErrorCode.UserAuthenticationRequired, error!.Code);
        Assert.Contains($"127.0.0.1:{proxy.Address.Port}", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task A_wrong_proxy_password_is_asked_again_then_stops()
    {
        await using var server = await TlsServer.StartAsync();
        await using var proxy = new TunnelProxy(requireAuthentication: true);
        var pinning = new Pinning(server, new UrlCredential("pp", "wrong"));
        var (_, error) = await LoadThroughTunnelAsync(server, proxy, pinning);
        Assert.Equal(UrlErrorCode.UserAuthenticationRequired, error!.Code);
        Assert.Equal([0, 1, 2, 3, 4, 5], pinning.TaskChallenges.Select(c => c.PreviousFailureCount));
        Assert.Equal(0, server.Requests);
    }
}

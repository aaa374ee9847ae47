using System.Security.Cryptography;
using System.Text;

namespace UrlLoading.Tests.Cookies;

/// <summary>RFC 6265bis "Strict Secure" against one host serving http and https: plain http cannot touch a Secure cookie.</summary>
public sealed partial class StrictSecureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [UrlSessionDelegate]
    private sealed partial class Pinning(CookieServer server)
    {
        private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge) =>
            challenge.ProtectionSpace.ServerTrust is { } trust && trust.Sha256Fingerprint == Convert.ToHexString(SHA256.HashData(server.Certificate.RawData))
                ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust))
                : (AuthChallengeDisposition.PerformDefaultHandling, null);
    }

    private static async Task<string> GetAsync(UrlSession session, Uri url)
    {
        var (data, _) = await session.DataAsync(url, Ct);
        return Encoding.UTF8.GetString(data);
    }

    [Fact]
    public async Task Plain_http_cannot_overwrite_shadow_or_delete_a_Secure_cookie_set_over_https()
    {
        await using var server = await CookieServer.StartAsync();
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration, new Pinning(server));
        await GetAsync(session, CookieServer.SetCookie(server.Https, "sid=good; Secure; Path=/"));

        // The session-fixation attempts of a network attacker who answers the plain-http requests to the same host.
        await GetAsync(session, CookieServer.SetCookie(server.Http, "sid=evil; Path=/"));
        await GetAsync(session, CookieServer.SetCookie(server.Http, "sid=evil; Secure; Path=/"));
        await GetAsync(session, CookieServer.SetCookie(server.Http, "sid=evil; Path=/cookies"));
        await GetAsync(session, CookieServer.SetCookie(server.Http, "sid=gone; Path=/; Max-Age=0"));
        await GetAsync(session, CookieServer.SetCookie(server.Http, "sid=gone; Secure; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"));

        Assert.Equal("sid=good", await GetAsync(session, server.Https("/cookies")));
        Assert.Equal("", await GetAsync(session, server.Http("/cookies")));
        var stored = Assert.Single(configuration.HttpCookieStorage!.Cookies);
        Assert.Equal(("sid", "good", true), (stored.Name, stored.Value, stored.IsSecure));
    }

    [Fact]
    public async Task Plain_http_cannot_set_a_new_Secure_cookie_but_https_can_and_may_replace_its_own()
    {
        await using var server = await CookieServer.StartAsync();
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration, new Pinning(server));
        await GetAsync(session, CookieServer.SetCookie(server.Http, "fresh=1; Secure; Path=/", "plain=1; Path=/"));
        Assert.Equal("plain=1", await GetAsync(session, server.Https("/cookies")));
        Assert.Equal(["plain"], configuration.HttpCookieStorage!.Cookies.Select(c => c.Name));

        await GetAsync(session, CookieServer.SetCookie(server.Https, "sid=first; Secure; Path=/"));
        await GetAsync(session, CookieServer.SetCookie(server.Https, "sid=second; Secure; Path=/"));
        Assert.Equal("plain=1; sid=second", await GetAsync(session, server.Https("/cookies")));
    }

    [Fact]
    public async Task A_flood_of_plain_http_cookies_does_not_evict_a_Secure_cookie()
    {
        await using var server = await CookieServer.StartAsync();
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration, new Pinning(server));
        await GetAsync(session, CookieServer.SetCookie(server.Https, "sid=good; Secure; Path=/"));
        // Evicting the Secure cookie would free its name for a plain-http cookie that https pages would then receive.
        await GetAsync(session, server.Http("/flood?n=1000&from=0"));
        await GetAsync(session, CookieServer.SetCookie(server.Http, "sid=evil; Path=/"));

        string sent = await GetAsync(session, server.Https("/cookies"));
        Assert.Contains("sid=good", sent.Split("; "));
        Assert.DoesNotContain("sid=evil", sent.Split("; "));
    }
}

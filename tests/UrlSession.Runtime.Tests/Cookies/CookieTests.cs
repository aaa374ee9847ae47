using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cookies;

public sealed class CookieTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> GetAsync(UrlSession session, Uri url)
    {
        var (data, _) = await session.DataAsync(url, Ct);
        return Encoding.UTF8.GetString(data);
    }

    private Uri SetCookie(params string[] cookies) =>
        server.Url("/set-cookie?" + string.Join("&", cookies.Select(c => "c=" + Uri.EscapeDataString(c))));

    [Fact]
    public async Task Set_Cookie_is_stored_and_sent_back_only_where_domain_and_path_match()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await GetAsync(session, SetCookie("everywhere=1; Path=/", "scoped=2; Path=/cookies/inner"));

        Assert.Equal("everywhere=1", await GetAsync(session, server.Url("/cookies/outer")));
        Assert.Equal("scoped=2; everywhere=1", await GetAsync(session, server.Url("/cookies/inner/page")));
        Assert.Equal(2, configuration.HttpCookieStorage!.Cookies.Count);
        var stored = configuration.HttpCookieStorage.CookiesFor(server.Url("/cookies/inner"));
        Assert.All(stored, c => Assert.Equal("127.0.0.1", c.Domain));
    }

    [Fact]
    public async Task Secure_cookies_are_not_sent_over_plain_http_and_expired_ones_are_deleted()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        // Plain http may not set a Secure cookie (StrictSecureTests); the app may.
        configuration.HttpCookieStorage!.SetCookie(new HttpCookie("secret", "1", "127.0.0.1") { IsSecure = true, IsHostOnly = true });
        await GetAsync(session, SetCookie("plain=2; Path=/", "short=3; Path=/; Max-Age=3600"));
        Assert.Equal("plain=2; short=3", await GetAsync(session, server.Url("/cookies/")));
        await GetAsync(session, SetCookie("short=gone; Path=/; Max-Age=0"));
        Assert.Equal("plain=2", await GetAsync(session, server.Url("/cookies/")));
        Assert.Contains(configuration.HttpCookieStorage!.Cookies, c => c is { Name: "secret", IsSecure: true });
    }

    [Fact]
    public async Task A_cookie_for_another_domain_is_refused()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await GetAsync(session, SetCookie("evil=1; Domain=example.com; Path=/", "good=1; Path=/"));
        Assert.Equal(["good"], configuration.HttpCookieStorage!.Cookies.Select(c => c.Name));
    }

    [Fact]
    public async Task Accept_policy_Never_stores_nothing()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpCookieAcceptPolicy = HttpCookieAcceptPolicy.Never;
        await using var session = new UrlSession(configuration);
        await GetAsync(session, SetCookie("a=1; Path=/"));
        Assert.Empty(configuration.HttpCookieStorage!.Cookies);
        Assert.Equal("", await GetAsync(session, server.Url("/cookies/")));
    }

    [Fact]
    public async Task Only_from_main_document_domain_refuses_third_party_cookies()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        var thirdParty = new UrlRequest(SetCookie("tracker=1; Path=/")) { MainDocumentUrl = new Uri("http://news.example/") };
        await session.DataAsync(thirdParty, Ct);
        Assert.Empty(configuration.HttpCookieStorage!.Cookies);
        var firstParty = new UrlRequest(SetCookie("own=1; Path=/")) { MainDocumentUrl = server.Url("/page") };
        await session.DataAsync(firstParty, Ct);
        Assert.Equal(["own"], configuration.HttpCookieStorage.Cookies.Select(c => c.Name));
    }

    [Fact]
    public async Task Only_from_main_document_domain_accepts_a_parent_domain_of_the_main_document_as_Apple_does()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpCookieAcceptPolicy = HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain;
        await using var session = new UrlSession(configuration);
        var parent = new Uri($"http://localhost:{server.BaseAddress.Port}/set-cookie?c=" + Uri.EscapeDataString("parent=1; Path=/"));
        // swift.org/downloads while the main document is ci.swift.org: Apple keeps the cookie.
        await session.DataAsync(new UrlRequest(parent) { MainDocumentUrl = new Uri("http://ci.localhost/build") }, Ct);
        var tracker = new Uri($"http://localhost:{server.BaseAddress.Port}/set-cookie?c=" + Uri.EscapeDataString("tracker=1; Path=/"));
        await session.DataAsync(new UrlRequest(tracker) { MainDocumentUrl = new Uri("http://news.example/") }, Ct);

        Assert.Equal(["parent"], configuration.HttpCookieStorage!.Cookies.Select(c => c.Name));
    }

    [Fact]
    public async Task HttpShouldSetCookies_false_stores_but_does_not_send()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpShouldSetCookies = false;
        await using var session = new UrlSession(configuration);
        await GetAsync(session, SetCookie("kept=1; Path=/"));
        Assert.Single(configuration.HttpCookieStorage!.Cookies);
        Assert.Equal("", await GetAsync(session, server.Url("/cookies/")));
    }

    [Fact]
    public async Task A_request_that_does_not_handle_cookies_neither_sends_nor_stores_them()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await GetAsync(session, SetCookie("a=1; Path=/"));
        await session.DataAsync(new UrlRequest(SetCookie("b=2; Path=/")) { HttpShouldHandleCookies = false }, Ct);
        var (data, _) = await session.DataAsync(new UrlRequest(server.Url("/cookies/")) { HttpShouldHandleCookies = false }, Ct);
        Assert.Equal("", Encoding.UTF8.GetString(data));
        Assert.Equal(["a"], configuration.HttpCookieStorage!.Cookies.Select(c => c.Name));
    }

    [Fact]
    public async Task Ephemeral_sessions_do_not_share_cookies_but_sessions_given_one_storage_do()
    {
        var first = UrlSessionConfiguration.Ephemeral;
        var second = UrlSessionConfiguration.Ephemeral;
        var sharing = UrlSessionConfiguration.Ephemeral;
        sharing.HttpCookieStorage = first.HttpCookieStorage;
        await using var a = new UrlSession(first);
        await using var b = new UrlSession(second);
        await using var c = new UrlSession(sharing);
        await GetAsync(a, SetCookie("mine=1; Path=/"));
        Assert.Equal("", await GetAsync(b, server.Url("/cookies/")));
        Assert.Equal("mine=1", await GetAsync(c, server.Url("/cookies/")));
    }

    [Fact]
    public async Task Cookies_set_by_a_redirect_response_are_kept()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        var (data, _) = await session.DataAsync(server.Url("/redirect/302?to=" + Uri.EscapeDataString("/set-cookie?c=" + Uri.EscapeDataString("hop=1; Path=/"))), Ct);
        Assert.Equal("set", Encoding.UTF8.GetString(data));
        Assert.Equal("hop=1", await GetAsync(session, server.Url("/cookies/")));
    }
}

using System.Text;

namespace UrlLoading.Tests.Cookies;

/// <summary>RFC 6265bis size limits and Chromium's count limits, against a server that tries to fill the jar.</summary>
public sealed class CookieLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static async Task<string> GetAsync(UrlSession session, Uri url)
    {
        var (data, _) = await session.DataAsync(url, Ct);
        return Encoding.UTF8.GetString(data);
    }

    [Fact]
    public async Task A_60_KB_cookie_is_not_stored_and_its_neighbours_are()
    {
        await using var server = await CookieServer.StartAsync();
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await GetAsync(session, server.Http("/big?bytes=61440"));

        Assert.Equal(["small"], configuration.HttpCookieStorage!.Cookies.Select(c => c.Name));
        Assert.Equal("small=1", await GetAsync(session, server.Http("/cookies")));
    }

    [Theory]
    [InlineData(4096, true)]
    [InlineData(4097, false)]
    public void Name_and_value_may_take_4096_bytes_together(int length, bool stored)
    {
        string setCookie = "n=" + new string('v', length - 1);
        Assert.Equal(stored, HttpCookie.Parse([setCookie], new Uri("https://example.com/")).Count == 1);
        Assert.Equal(stored, Record.Exception(() => new HttpCookie("n", new string('v', length - 1), "example.com")) is null);
    }

    [Fact]
    public async Task Ten_thousand_cookies_from_one_host_leave_at_most_180_and_a_bounded_Cookie_header()
    {
        await using var server = await CookieServer.StartAsync();
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        for (int from = 0; from < 10_000; from += 1000)
            await GetAsync(session, server.Http($"/flood?n=1000&from={from}"));

        var kept = configuration.HttpCookieStorage!.Cookies;
        Assert.InRange(kept.Count, HttpCookieStorage.CookiesPerSiteAfterEviction, HttpCookieStorage.MaximumCookiesPerSite);
        Assert.Contains(kept, c => c.Name == "c09999");
        string header = await GetAsync(session, server.Http("/cookies"));
        Assert.Equal(kept.Count, header.Split("; ").Length);
        // The bound that follows from the rules: 180 cookies of at most 4096 bytes each, plus "=" and "; ".
        Assert.True(header.Length <= HttpCookieStorage.MaximumCookiesPerSite * (HttpCookie.MaximumNameAndValueLength + 3), $"{header.Length} bytes");
        // These cookies are 8 bytes each ("c01234=v"): 180 of them come to at most 180 * 10 - 2 = 1798 bytes.
        Assert.True(header.Length <= 1798, $"{header.Length} bytes");
    }

    [Fact]
    public async Task Each_loopback_host_keeps_its_own_180_and_every_host_stays_reachable()
    {
        // Linux routes all of 127.0.0.0/8 to the loopback interface; each address is its own cookie site.
        var second = System.Net.IPAddress.Parse("127.0.0.2");
        await using var server = await CookieServer.StartAsync(second);
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await GetAsync(session, server.Http("/flood?n=100&from=0"));
        await GetAsync(session, server.HttpOn(second, "/flood?n=1000&from=0"));

        Assert.Equal(100, (await GetAsync(session, server.Http("/cookies"))).Split("; ").Length);
        Assert.InRange((await GetAsync(session, server.HttpOn(second, "/cookies"))).Split("; ").Length, 150, 180);
    }

    [Fact]
    public void A_site_over_180_loses_its_least_recently_sent_non_Secure_cookies_first()
    {
        var storage = new HttpCookieStorage();
        storage.SetCookie(new HttpCookie("secure", "1", "example.com", "/old") { IsSecure = true });
        for (int i = 0; i < 179; i++)
            storage.SetCookie(new HttpCookie($"c{i}", "v", "example.com", $"/p{i}"));
        // Sent recently: survives though it was stored first.
        Assert.Single(storage.CookiesFor(new Uri("https://example.com/p0")));
        storage.SetCookie(new HttpCookie("last", "v", "www.example.com"));

        var names = storage.Cookies.Select(c => c.Name).ToHashSet();
        Assert.Equal(HttpCookieStorage.CookiesPerSiteAfterEviction, names.Count);
        Assert.Contains("secure", names);
        Assert.Contains("c0", names);
        Assert.Contains("last", names);
        for (int i = 1; i <= 31; i++)
            Assert.DoesNotContain($"c{i}", names);
        Assert.Contains("c32", names);
    }

    [Fact]
    public void A_site_over_180_loses_its_expired_cookies_before_any_live_one()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var storage = new HttpCookieStorage(time);
        storage.SetCookie(new HttpCookie("short", "v", "example.com") { ExpiresDate = time.Now.AddMinutes(1) });
        for (int i = 0; i < 179; i++)
            storage.SetCookie(new HttpCookie($"c{i}", "v", "example.com", $"/p{i}"));
        time.Now = time.Now.AddMinutes(2);
        storage.SetCookie(new HttpCookie("last", "v", "example.com"));

        var names = storage.Cookies.Select(c => c.Name).ToHashSet();
        Assert.Equal(HttpCookieStorage.MaximumCookiesPerSite, names.Count);
        Assert.DoesNotContain("short", names);
        Assert.Contains("c0", names);
    }

    [Fact]
    public void The_whole_storage_keeps_at_most_3300_evicting_the_least_recently_sent_site_by_site()
    {
        var storage = new HttpCookieStorage();
        for (int site = 0; site < 20; site++)
        {
            for (int i = 0; i < 170; i++)
                storage.SetCookie(new HttpCookie($"c{i}", "v", $"site{site:D2}.example"));
        }

        var kept = storage.Cookies;
        Assert.InRange(kept.Count, HttpCookieStorage.CookiesAfterEviction, HttpCookieStorage.MaximumCookies);
        Assert.Equal(170, kept.Count(c => c.Domain == "site19.example"));
        Assert.True(kept.Count(c => c.Domain == "site00.example") < 170);
        Assert.Equal(170, storage.CookiesFor(new Uri("http://site19.example/")).Count);
    }
}

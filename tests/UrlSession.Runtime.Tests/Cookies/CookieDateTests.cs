using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cookies;

/// <summary>RFC 6265 §5.1.1's cookie-date algorithm: what an <c>Expires</c> attribute means, and what it cannot.</summary>
public sealed class CookieDateTests(TestServer server)
{
    private static readonly DateTimeOffset s_rfcExample = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);

    private static HttpCookie One(string setCookie) => HttpCookie.Parse([setCookie], new Uri("https://example.com/")).Single();

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    [InlineData("Wed, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("06 nov 1994 08:49:37")]
    [InlineData("08:49:37 6-November-1994 +0100")]
    [InlineData("Sun, 6 Nov 94 8:49:37 GMT")]
    public void Every_form_browsers_accept_gives_the_same_date_and_the_weekday_is_ignored(string expires) =>
        Assert.Equal(s_rfcExample, One($"a=1; Expires={expires}").ExpiresDate);

    [Fact]
    public void Two_digit_years_run_from_1970_to_2069()
    {
        Assert.Equal(1970, One("a=1; Expires=Thu, 01 Jan 70 00:00:00 GMT").ExpiresDate!.Value.Year);
        // 2069 is in the future, so the expiry is cut to 400 days (not read as 1969, which would delete the cookie).
        Assert.True(One("a=1; Expires=Tue, 01 Jan 69 00:00:00 GMT").ExpiresDate > DateTimeOffset.UtcNow.AddDays(399));
    }

    [Theory]
    [InlineData("Sun, 31 Feb 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1600 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 24:00:00 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:60:00 GMT")]
    [InlineData("Sun, 06 Nov 1994")]
    [InlineData("Sun, 06 Foo 1994 08:49:37 GMT")]
    [InlineData("Sun, 32 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 01994 08:49:37 GMT")]
    [InlineData("0")]
    public void A_date_with_a_missing_or_impossible_part_is_ignored_and_the_cookie_lasts_the_session(string expires) =>
        Assert.True(One($"a=1; Expires={expires}").IsSessionOnly);

    [Fact]
    public void An_expiry_more_than_400_days_ahead_is_cut_to_400_days()
    {
        var expires = One("a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT").ExpiresDate!.Value;
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(399), DateTimeOffset.UtcNow.AddDays(400));
    }

    [Fact]
    public async Task A_servers_delete_with_the_wrong_weekday_deletes_the_cookie()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await GetAsync(session, SetCookie("gone=1; Path=/; Max-Age=3600", "kept=2; Path=/"));
        // 1 January 1970 was a Thursday.
        await GetAsync(session, SetCookie("gone=; Path=/; Expires=Mon, 01 Jan 1970 00:00:00 GMT"));

        Assert.Equal("kept=2", await GetAsync(session, server.Url("/cookies/after-delete")));
    }

    private Uri SetCookie(params string[] cookies) =>
        server.Url("/set-cookie?" + string.Join("&", cookies.Select(c => "c=" + Uri.EscapeDataString(c))));

    private static async Task<string> GetAsync(UrlSession session, Uri url)
    {
        var (data, _) = await session.DataAsync(url, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(data);
    }
}

using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cookies;

/// <summary>
/// Repeated <c>Set-Cookie</c> lines: folded into one value with <c>", "</c> (Apple's header dictionary) they still give
/// each cookie, and the response keeps each line for <see cref="HttpUrlResponse.AllHeaderFieldValues"/>.
/// </summary>
public sealed class SetCookieHeaderTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Uri s_site = new("https://example.com/");

    private Uri SetCookie(params string[] cookies) =>
        server.Url("/set-cookie?" + string.Join("&", cookies.Select(c => "c=" + Uri.EscapeDataString(c))));

    [Fact]
    public void A_folded_value_gives_each_cookie_and_an_Expires_comma_stays_in_its_cookie()
    {
        var fields = new Dictionary<string, string>
        {
            ["set-cookie"] = "a=1; path=/, b=2; Expires=Wed, 01 Jan 2070 00:00:00 GMT; path=/, c=x,y; Path=/c",
            ["Content-Type"] = "text/plain",
        };

        var cookies = HttpCookie.Cookies(fields, s_site);

        Assert.Equal(["a=1", "b=2", "c=x,y"], cookies.Select(c => $"{c.Name}={c.Value}"));
        Assert.True(cookies[1].ExpiresDate > DateTimeOffset.UtcNow);
        Assert.Equal("/c", cookies[2].Path);
    }

    [Fact]
    public void A_folded_value_with_the_RFC_850_and_asctime_forms_splits_only_between_cookies()
    {
        var fields = new Dictionary<string, string>
        {
            ["Set-Cookie"] = "a=1; Expires=Sunday, 06-Nov-94 08:49:37 GMT, b=2; Expires=Sun Nov  6 08:49:37 1994, foo",
        };

        var cookies = HttpCookie.Cookies(fields, s_site);

        Assert.Equal(["a", "b"], cookies.Select(c => c.Name));
        Assert.All(cookies, c => Assert.Equal(1994, c.ExpiresDate!.Value.Year));
    }

    [Fact]
    public async Task Cookies_read_back_from_a_sessions_response_headers_are_the_ones_the_server_set()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var url = SetCookie("a=1; Path=/; Expires=Wed, 01 Jan 2070 00:00:00 GMT", "b=2; Path=/; HttpOnly");

        var (_, response) = await session.DataAsync(url, Ct);

        var cookies = HttpCookie.Cookies(((HttpUrlResponse)response).Headers, url);
        Assert.Equal(["a=1", "b=2"], cookies.Select(c => $"{c.Name}={c.Value}"));
        Assert.True(cookies[1].IsHttpOnly);
    }

    [Fact]
    public async Task A_sessions_response_keeps_each_Set_Cookie_line_as_the_server_sent_it()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var url = SetCookie("a=1; Expires=Wed, 01 Jan 2070 00:00:00 GMT", "b=2");

        var (_, answer) = await session.DataAsync(url, Ct);

        var response = (HttpUrlResponse)answer;
        Assert.Equal(["a=1; Expires=Wed, 01 Jan 2070 00:00:00 GMT", "b=2"], response.AllHeaderFieldValues("set-cookie"));
        Assert.Equal("a=1; Expires=Wed, 01 Jan 2070 00:00:00 GMT, b=2", response.ValueForHttpHeaderField("Set-Cookie"));
        Assert.Equal(["text/plain; charset=utf-8"], response.AllHeaderFieldValues("Content-Type"));
        Assert.Empty(response.AllHeaderFieldValues("X-Absent"));
    }

    [Fact]
    public void The_public_constructor_joins_a_repeated_name_and_keeps_its_lines()
    {
        var response = new HttpUrlResponse(s_site, 200, "HTTP/1.1",
            [new("Set-Cookie", "a=1"), new("Content-Length", "0"), new("set-cookie", "b=2")]);

        Assert.Equal("a=1, b=2", response.Headers["SET-COOKIE"]);
        Assert.Equal(["a=1", "b=2"], response.AllHeaderFieldValues("Set-Cookie"));
        Assert.Equal(0, response.ExpectedContentLength);
    }

    [Fact]
    public async Task A_nameless_cookie_is_stored_and_sent_back_as_its_bare_value()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await session.DataAsync(SetCookie("foo; Path=/", "named=1; Path=/"), Ct);

        var (data, _) = await session.DataAsync(server.Url("/cookies/nameless"), Ct);

        Assert.Equal(["foo", "named=1"], Encoding.UTF8.GetString(data).Split("; ").Order(StringComparer.Ordinal));
    }
}

namespace UrlLoading.Tests.Cookies;

/// <summary>RFC 6265 (and 6265bis prefixes) through the public parser: what a Set-Cookie line becomes, or why it is refused.</summary>
public sealed class CookieRulesTests
{
    private static HttpCookie? One(string setCookie, string url) => HttpCookie.Parse([setCookie], new Uri(url)).SingleOrDefault();

    [Theory]
    [InlineData("a=1; Domain=co.uk", "https://www.example.co.uk/")]
    [InlineData("a=1; Domain=github.io", "https://someone.github.io/")]
    [InlineData("a=1; Domain=com", "https://example.com/")]
    [InlineData("a=1; Domain=other.example", "https://example.com/")]
    // From the embedded Public Suffix List: private-section platforms, wildcard rules, internationalised rules.
    [InlineData("a=1; Domain=myshopify.com", "https://store.myshopify.com/")]
    [InlineData("a=1; Domain=blogspot.co.uk", "https://diary.blogspot.co.uk/")]
    [InlineData("a=1; Domain=uk.com", "https://example.uk.com/")]
    [InlineData("a=1; Domain=anything.ck", "https://www.anything.ck/")]
    [InlineData("a=1; Domain=yokohama.kawasaki.jp", "https://shop.yokohama.kawasaki.jp/")]
    [InlineData("a=1; Domain=xn--55qx5d.cn", "https://example.xn--55qx5d.cn/")]
    [InlineData("a=1; Domain=公司.cn", "https://example.公司.cn/")]
    // §5.2.3 strips one leading dot: the second one stays, and ".example.com" matches no host.
    [InlineData("a=1; Domain=..example.com", "https://shop.example.com/")]
    [InlineData("a=1; Domain=..example.com", "https://example.com/")]
    public void A_domain_that_is_a_public_suffix_or_another_site_is_refused(string setCookie, string url) => Assert.Null(One(setCookie, url));

    [Theory]
    [InlineData("a=1; Domain=example.co.uk", "https://www.example.co.uk/", "example.co.uk")]
    [InlineData("a=1; Domain=store.myshopify.com", "https://www.store.myshopify.com/", "store.myshopify.com")]
    // Exceptions to wildcard rules are registrable: !www.ck under *.ck, !city.kawasaki.jp under *.kawasaki.jp.
    [InlineData("a=1; Domain=www.ck", "https://shop.www.ck/", "www.ck")]
    [InlineData("a=1; Domain=city.kawasaki.jp", "https://www.city.kawasaki.jp/", "city.kawasaki.jp")]
    [InlineData("a=1; Domain=example.xn--55qx5d.cn", "https://www.example.xn--55qx5d.cn/", "example.xn--55qx5d.cn")]
    [InlineData("a=1; Domain=Example.公司.cn", "https://www.example.公司.cn/", "example.xn--55qx5d.cn")]
    // A suffix the list does not know is registrable under the implicit "*" rule.
    [InlineData("a=1; Domain=example.internal-tld", "https://www.example.internal-tld/", "example.internal-tld")]
    [InlineData("a=1; Domain=.Example.COM", "https://shop.example.com/", "example.com")]
    [InlineData("a=1", "https://shop.example.com/", "shop.example.com")]
    [InlineData("a=1; Domain=.", "https://shop.example.com/", "shop.example.com")]
    public void A_registrable_domain_or_the_host_itself_is_accepted(string setCookie, string url, string domain) =>
        Assert.Equal(domain, One(setCookie, url)!.Domain);

    [Theory]
    [InlineData("__Host-id=1; Secure; Path=/", "https://example.com/a/b", true)]
    [InlineData("__Host-id=1; Secure; Path=/; Domain=example.com", "https://example.com/", false)]
    [InlineData("__Host-id=1; Secure; Path=/a", "https://example.com/", false)]
    [InlineData("__Host-id=1; Path=/", "https://example.com/", false)]
    [InlineData("__Host-id=1; Secure; Path=/", "http://example.com/", false)]
    [InlineData("__Secure-id=1; Secure", "https://example.com/", true)]
    [InlineData("__Secure-id=1", "https://example.com/", false)]
    [InlineData("__Secure-id=1; Secure", "http://example.com/", false)]
    public void Cookie_name_prefixes_demand_what_they_promise(string setCookie, string url, bool accepted) =>
        Assert.Equal(accepted, One(setCookie, url) is not null);

    [Fact]
    public void Max_Age_wins_over_Expires_and_HttpOnly_and_SameSite_are_kept()
    {
        var cookie = One("a=1; Expires=Wed, 01 Jan 2070 00:00:00 GMT; Max-Age=60; HttpOnly; SameSite=Strict", "https://example.com/")!;
        Assert.InRange(cookie.ExpiresDate!.Value, DateTimeOffset.UtcNow.AddSeconds(50), DateTimeOffset.UtcNow.AddSeconds(70));
        Assert.True(cookie.IsHttpOnly);
        Assert.Equal("Strict", cookie.SameSitePolicy);
        var gone = One("a=1; Expires=Wed, 01 Jan 2070 00:00:00 GMT; Max-Age=0", "https://example.com/")!;
        Assert.True(gone.ExpiresDate < DateTimeOffset.UtcNow);
    }

    [Theory]
    [InlineData("a=1; Max-Age=+60", true)]
    [InlineData("a=1; Max-Age=60s", true)]
    [InlineData("a=1; Max-Age=", true)]
    [InlineData("a=1; Max-Age=99999999999999999999999", false)]
    [InlineData("a=1; Max-Age=60", false)]
    public void Max_Age_must_be_digits_and_one_too_large_for_a_number_is_the_longest_lifetime(string setCookie, bool sessionOnly)
    {
        var cookie = One(setCookie, "https://example.com/")!;
        Assert.Equal(sessionOnly, cookie.IsSessionOnly);
        Assert.False(cookie.IsExpired(DateTimeOffset.UtcNow));
    }

    [Fact]
    public void A_negative_Max_Age_of_any_size_deletes() =>
        Assert.True(One("a=1; Max-Age=-99999999999999999999999", "https://example.com/")!.IsExpired(DateTimeOffset.UtcNow));

    [Fact]
    public void A_domain_attribute_of_a_lone_dot_makes_a_host_only_cookie() =>
        Assert.True(One("a=1; Domain=.", "https://shop.example.com/")!.IsHostOnly);

    [Theory]
    [InlineData("foo", "foo")]
    [InlineData("=foo", "foo")]
    [InlineData("  foo  ; Path=/", "foo")]
    public void A_pair_without_a_name_is_a_nameless_cookie_as_in_RFC_6265bis(string setCookie, string value)
    {
        var cookie = One(setCookie, "https://example.com/")!;
        Assert.Equal(("", value), (cookie.Name, cookie.Value));
        Assert.Equal($"{value}; b=2", HttpCookieStorage.CookieHeader([cookie, new HttpCookie("b", "2", "example.com")]));
    }

    [Theory]
    [InlineData("=")]
    [InlineData("")]
    [InlineData("; Path=/")]
    [InlineData("=__Secure-id=1; Secure")]
    [InlineData("=__Host-id=1; Secure; Path=/")]
    public void A_nameless_cookie_without_a_value_or_that_reads_as_a_prefixed_name_is_dropped(string setCookie) =>
        Assert.Null(One(setCookie, "https://example.com/"));
}

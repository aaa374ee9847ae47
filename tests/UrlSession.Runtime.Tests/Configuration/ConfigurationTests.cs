using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Configuration;

public sealed class ConfigurationTests(TestServer server)
{
    [Fact]
    public void Default_configuration_has_Apples_values()
    {
        var c = UrlSessionConfiguration.Default;
        Assert.Equal(TimeSpan.FromSeconds(60), c.TimeoutIntervalForRequest);
        Assert.Equal(TimeSpan.FromDays(7), c.TimeoutIntervalForResource);
        Assert.Equal(6, c.HttpMaximumConnectionsPerHost);
        Assert.Equal(HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain, c.HttpCookieAcceptPolicy);
        Assert.True(c.HttpShouldSetCookies);
        Assert.Equal(RequestCachePolicy.UseProtocolCachePolicy, c.RequestCachePolicy);
        Assert.Same(HttpCookieStorage.Shared, c.HttpCookieStorage);
        Assert.Same(UrlCredentialStorage.Shared, c.UrlCredentialStorage);
        Assert.Same(UrlCache.Shared, c.UrlCache);
        Assert.Equal(TlsProtocolVersion.Tls12, c.TlsMinimumSupportedProtocolVersion);
        Assert.Equal(TlsProtocolVersion.Tls13, c.TlsMaximumSupportedProtocolVersion);
        Assert.Null(c.Identifier);
        Assert.False(c.IsDiscretionary);
        Assert.True(c.AllowsCellularAccess);
    }

    [Fact]
    public void Each_access_to_Default_and_Ephemeral_returns_a_new_object_and_ephemeral_stores_are_private()
    {
        Assert.NotSame(UrlSessionConfiguration.Default, UrlSessionConfiguration.Default);
        var a = UrlSessionConfiguration.Ephemeral;
        var b = UrlSessionConfiguration.Ephemeral;
        Assert.NotSame(a.HttpCookieStorage, b.HttpCookieStorage);
        Assert.NotSame(a.UrlCredentialStorage, b.UrlCredentialStorage);
        Assert.NotSame(HttpCookieStorage.Shared, a.HttpCookieStorage);
        Assert.Equal(0, a.UrlCache!.DiskCapacity);
        Assert.True(a.IsEphemeral);
    }

    [Fact]
    public void Background_configuration_keeps_its_identifier_and_sends_launch_events()
    {
        var c = UrlSessionConfiguration.Background("com.example.downloads");
        Assert.Equal("com.example.downloads", c.Identifier);
        Assert.True(c.IsBackground);
        Assert.True(c.SessionSendsLaunchEvents);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_background_identifier_is_rejected_naming_the_property(string identifier)
    {
        var e = Assert.Throws<ArgumentException>(() => UrlSessionConfiguration.Background(identifier));
        Assert.Contains("Identifier", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_values_throw_at_once_naming_the_property()
    {
        var c = UrlSessionConfiguration.Default;
        AssertNames(nameof(c.TimeoutIntervalForRequest), () => c.TimeoutIntervalForRequest = TimeSpan.FromSeconds(-1));
        AssertNames(nameof(c.TimeoutIntervalForRequest), () => c.TimeoutIntervalForRequest = TimeSpan.Zero);
        AssertNames(nameof(c.TimeoutIntervalForResource), () => c.TimeoutIntervalForResource = TimeSpan.FromSeconds(-5));
        AssertNames(nameof(c.HttpMaximumConnectionsPerHost), () => c.HttpMaximumConnectionsPerHost = 0);
        AssertNames(nameof(c.MaximumRedirects), () => c.MaximumRedirects = -1);
        AssertNames(nameof(c.TlsMaximumSupportedProtocolVersion), () => c.TlsMaximumSupportedProtocolVersion = TlsProtocolVersion.Tls11);
        AssertNames(nameof(c.TlsMinimumSupportedProtocolVersion), () => c.TlsMinimumSupportedProtocolVersion = (TlsProtocolVersion)99);
        AssertNames("HttpProxy", () => c.ConnectionProxy = new UrlProxyConfiguration { HttpProxy = new Uri("ftp://proxy") });
        Assert.Throws<ArgumentException>(() => c.HttpAdditionalHeaders = new Dictionary<string, string> { ["Bad Header"] = "x" });
        // Nothing invalid was kept.
        Assert.Equal(TimeSpan.FromSeconds(60), c.TimeoutIntervalForRequest);
        Assert.Equal(6, c.HttpMaximumConnectionsPerHost);
    }

    [Fact]
    public void Clone_copies_values_and_collections_but_shares_stores()
    {
        var original = UrlSessionConfiguration.Ephemeral;
        original.HttpAdditionalHeaders["X-A"] = "1";
        original.TimeoutIntervalForRequest = TimeSpan.FromSeconds(5);
        var copy = original.Clone();
        original.HttpAdditionalHeaders["X-A"] = "changed";
        original.HttpAdditionalHeaders["X-B"] = "2";
        original.TimeoutIntervalForRequest = TimeSpan.FromSeconds(9);
        Assert.Equal("1", copy.HttpAdditionalHeaders["X-A"]);
        Assert.False(copy.HttpAdditionalHeaders.ContainsKey("X-B"));
        Assert.Equal(TimeSpan.FromSeconds(5), copy.TimeoutIntervalForRequest);
        Assert.Same(original.HttpCookieStorage, copy.HttpCookieStorage);
        Assert.Same(original.UrlCredentialStorage, copy.UrlCredentialStorage);
    }

    [Fact]
    public async Task A_session_is_not_affected_by_later_changes_to_the_configuration_it_was_given()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpAdditionalHeaders["X-Config"] = "at-creation";
        await using var session = new UrlSession(configuration);
#pragma warning disable US4001 // the point of this test: the changes US4001 reports really have no effect
        configuration.HttpAdditionalHeaders["X-Config"] = "changed-later";
        configuration.HttpAdditionalHeaders["X-Added-Later"] = "yes";
        configuration.HttpShouldSetCookies = false;
#pragma warning restore US4001

        var (body, _) = await session.DataAsync(server.Url("/echo-headers"), TestContext.Current.CancellationToken);
        string headers = System.Text.Encoding.UTF8.GetString(body);
        Assert.Contains("X-Config: at-creation", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Added-Later", headers, StringComparison.Ordinal);
        Assert.Equal("at-creation", session.Configuration.HttpAdditionalHeaders["X-Config"]);
        Assert.True(session.Configuration.HttpShouldSetCookies);
    }

    [Fact]
    public async Task Additional_headers_are_sent_and_the_requests_own_header_wins_whatever_its_case()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpAdditionalHeaders["X-Shared"] = "from-config";
        configuration.HttpAdditionalHeaders["X-Override"] = "from-config";
        await using var session = new UrlSession(configuration);
        var request = new UrlRequest(server.Url("/echo-headers")).WithHeader("x-override", "from-request");

        var (body, _) = await session.DataAsync(request, TestContext.Current.CancellationToken);
        string headers = System.Text.Encoding.UTF8.GetString(body);
        Assert.Contains("X-Shared: from-config", headers, StringComparison.Ordinal);
        Assert.Contains("from-request", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Override: from-config", headers, StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertNames(string property, Action set)
    {
        var e = Assert.ThrowsAny<ArgumentException>(set);
        Assert.Contains(property, e.Message, StringComparison.Ordinal);
    }
}

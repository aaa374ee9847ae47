using System.Globalization;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cache;

/// <summary>
/// The cache's answers where the public HTTP cache test suite found it wrong: hop-by-hop fields stored, a list-valued
/// <c>Age</c>, the obsolete HTTP-date forms, the app's own conditional requests, and range requests.
/// </summary>
public sealed class CacheConformanceTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static UrlSession NewSession(UrlCache cache)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.UrlCache = cache;
        return new UrlSession(configuration);
    }

    private static async Task<(string Body, HttpUrlResponse Response)> GetAsync(UrlSession session, UrlRequest request)
    {
        var (data, response) = await session.DataAsync(request, Ct);
        return (Encoding.UTF8.GetString(data), (HttpUrlResponse)response);
    }

    /// <summary>A server that answers every request on every connection with <paramref name="head"/> (a status line and fields) and <c>hello</c>.</summary>
    private static RawServer Answering(string head, Action? onRequest = null) => new(async (socket, ct) =>
    {
        while ((await RawServer.ReadRequestHeadAsync(socket, ct)).Length > 0)
        {
            onRequest?.Invoke();
            await RawServer.SendAsync(socket, head + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n", ct);
        }
    });

    private string[] Seen(string name) => server.CacheRequests.TryGetValue(name, out var seen) ? [.. seen] : [];

    private static string NewName() => "c" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Hop_by_hop_fields_are_not_stored_nor_served_from_the_cache()
    {
        int requests = 0;
        await using var raw = Answering(
            "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nConnection: X-Connection-Only\r\nX-Connection-Only: 1\r\n"
            + "Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nUpgrade: example/1\r\nX-Kept: yes\r\n"
            + "Transfer-Encoding: chunked", () => Interlocked.Increment(ref requests));
        var cache = new UrlCache(1 << 20, 0, null);
        await using var session = NewSession(cache);

        await GetAsync(session, new UrlRequest(raw.Url("/hop")));
        var (body, fromCache) = await GetAsync(session, new UrlRequest(raw.Url("/hop")));

        Assert.Equal(("hello", 1), (body, requests));
        Assert.Equal("yes", fromCache.ValueForHttpHeaderField("X-Kept"));
        var stored = (HttpUrlResponse)cache.CachedResponse(new UrlRequest(raw.Url("/hop")))!.Response;
        foreach (var response in new[] { fromCache, stored })
        {
            foreach (var name in new[] { "Connection", "X-Connection-Only", "Keep-Alive", "Proxy-Authenticate", "Upgrade", "Transfer-Encoding" })
                Assert.Null(response.ValueForHttpHeaderField(name));
        }
    }

    [Fact]
    public void A_304_merged_into_a_stored_response_updates_its_fields_keeps_its_lines_and_brings_no_hop_by_hop_field()
    {
        var url = new Uri("https://example.com/merged");
        var stored = new HttpUrlResponse(url, 200, "HTTP/1.1",
            [new("Cache-Control", "max-age=60"), new("Set-Cookie", "a=1"), new("Set-Cookie", "b=2"), new("Content-Length", "5")]);
        var notModified = new HttpUrlResponse(url, 304, "HTTP/1.1",
            [new("Cache-Control", "max-age=600"), new("Connection", "keep-alive, X-Hop"), new("X-Hop", "1"), new("Content-Length", "0")]);

        var merged = HttpCaching.Merge(stored, notModified);

        Assert.Equal(["max-age=600"], merged.AllHeaderFieldValues("Cache-Control"));
        Assert.Equal(["a=1", "b=2"], merged.AllHeaderFieldValues("Set-Cookie"));
        Assert.Equal(5, merged.ExpectedContentLength);
        Assert.Empty(merged.AllHeaderFieldValues("Connection"));
        Assert.Empty(merged.AllHeaderFieldValues("X-Hop"));
    }

    [Fact]
    public async Task An_Age_list_counts_its_first_member_so_the_response_is_already_stale()
    {
        string name = NewName();
        var url = server.Url($"/cache/{name}?cc={Uri.EscapeDataString("max-age=3600")}&age={Uri.EscapeDataString("7200, 0")}");
        await using var session = NewSession(new UrlCache(1 << 20, 0, null));

        await GetAsync(session, new UrlRequest(url));
        var (body, _) = await GetAsync(session, new UrlRequest(url));

        Assert.Equal($"{name} #2", body);
        Assert.Equal(2, Seen(name).Length);
    }

    public static TheoryData<string> ObsoleteDateForms => new()
    {
        // Date in RFC 850 form, Expires an hour later in asctime form.
        "Date: {rfc850:now}\r\nExpires: {asctime:+3600}",
        // Date in asctime form, Expires in RFC 850 form.
        "Date: {asctime:now}\r\nExpires: {rfc850:+3600}",
        // Heuristic freshness (10% of ten days) from a Last-Modified in RFC 850 form.
        "Date: {imf:now}\r\nLast-Modified: {rfc850:-864000}",
        "Date: {imf:now}\r\nLast-Modified: {asctime:-864000}",
    };

    [Theory]
    [MemberData(nameof(ObsoleteDateForms))]
    public async Task Dates_in_the_RFC_850_and_asctime_forms_give_freshness(string fields)
    {
        int requests = 0;
        await using var raw = Answering("HTTP/1.1 200 OK\r\n" + Dates(fields) + "\r\nTransfer-Encoding: chunked", () => Interlocked.Increment(ref requests));
        await using var session = NewSession(new UrlCache(1 << 20, 0, null));

        await GetAsync(session, new UrlRequest(raw.Url("/dated")));
        var (body, response) = await GetAsync(session, new UrlRequest(raw.Url("/dated")));

        Assert.Equal(("hello", 1), (body, requests));
        Assert.NotNull(response.ValueForHttpHeaderField("Age"));
    }

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    [InlineData("Thu, 06 Nov 1994 08:49:37 GMT")]
    public void All_three_HTTP_date_forms_are_read(string value) =>
        Assert.Equal(new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero), HttpDate.Parse(value, DateTimeOffset.UtcNow));

    [Fact]
    public void An_RFC_850_year_more_than_50_years_ahead_is_in_the_past()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(2076, HttpDate.Parse("Wednesday, 01-Jan-76 00:00:00 GMT", now)!.Value.Year);
        Assert.Equal(1977, HttpDate.Parse("Friday, 01-Jan-77 00:00:00 GMT", now)!.Value.Year);
    }

    [Theory]
    [InlineData("If-None-Match", "\"v1\"")]
    [InlineData("If-None-Match", "\"other\", W/\"v1\"")]
    [InlineData("If-None-Match", "*")]
    [InlineData("If-Modified-Since", "now")]
    public async Task The_apps_own_conditional_request_gets_a_304_from_a_fresh_stored_response(string header, string value)
    {
        string name = NewName();
        var url = server.Url($"/cache/{name}?cc={Uri.EscapeDataString("max-age=3600")}&etag=v1&lm=100");
        await using var session = NewSession(new UrlCache(1 << 20, 0, null));
        await GetAsync(session, new UrlRequest(url));

        var conditional = new UrlRequest(url).WithHeader(header, value == "now" ? DateTimeOffset.UtcNow.ToString("r") : value);
        var (body, response) = await GetAsync(session, conditional);

        Assert.Equal((304, ""), (response.StatusCode, body));
        Assert.Equal("\"v1\"", response.ValueForHttpHeaderField("ETag"));
        Assert.NotNull(response.ValueForHttpHeaderField("Age"));
        Assert.Single(Seen(name));
    }

    [Theory]
    [InlineData("If-None-Match", "\"v2\"")]
    [InlineData("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]
    public async Task A_conditional_that_the_stored_response_fails_gets_the_stored_200(string header, string value)
    {
        string name = NewName();
        var url = server.Url($"/cache/{name}?cc={Uri.EscapeDataString("max-age=3600")}&etag=v1&lm=100");
        await using var session = NewSession(new UrlCache(1 << 20, 0, null));
        await GetAsync(session, new UrlRequest(url));

        var (body, response) = await GetAsync(session, new UrlRequest(url).WithHeader(header, value));

        Assert.Equal((200, $"{name} #1"), (response.StatusCode, body));
        Assert.Single(Seen(name));
    }

    [Theory]
    [InlineData("bytes=1-3", null, 1, 3)]
    [InlineData("bytes=2-", null, 2, -1)]
    [InlineData("bytes=-4", null, -4, -1)]
    [InlineData("bytes=0-999999", null, 0, -1)]
    [InlineData("bytes=1-3", "\"v1\"", 1, 3)]
    public async Task One_satisfiable_byte_range_is_answered_206_from_the_stored_complete_response(string range, string? ifRange, int first, int last)
    {
        string name = NewName();
        var url = server.Url($"/cache/{name}?cc={Uri.EscapeDataString("max-age=3600")}&etag=v1");
        await using var session = NewSession(new UrlCache(1 << 20, 0, null));
        var (whole, _) = await GetAsync(session, new UrlRequest(url));

        var request = new UrlRequest(url).WithHeader("Range", range);
        if (ifRange is not null)
            request = request.WithHeader("If-Range", ifRange);
        var (body, response) = await GetAsync(session, request);

        int from = first < 0 ? whole.Length + first : first, to = last < 0 ? whole.Length - 1 : last;
        Assert.Equal((206, whole[from..(to + 1)]), (response.StatusCode, body));
        Assert.Equal($"bytes {from}-{to}/{whole.Length}", response.ValueForHttpHeaderField("Content-Range"));
        Assert.Equal(to - from + 1, response.ExpectedContentLength);
        Assert.Single(Seen(name));
    }

    [Theory]
    [InlineData("bytes=0-1,3-4", null)]
    [InlineData("bytes=999999-", null)]
    [InlineData("items=0-1", null)]
    [InlineData("bytes=1-3", "\"v0\"")]
    [InlineData("bytes=1-3", "W/\"v1\"")]
    public async Task A_range_the_cache_does_not_serve_is_ignored_and_the_whole_stored_response_answers(string range, string? ifRange)
    {
        string name = NewName();
        var url = server.Url($"/cache/{name}?cc={Uri.EscapeDataString("max-age=3600")}&etag=v1");
        await using var session = NewSession(new UrlCache(1 << 20, 0, null));
        var (whole, _) = await GetAsync(session, new UrlRequest(url));

        var request = new UrlRequest(url).WithHeader("Range", range);
        if (ifRange is not null)
            request = request.WithHeader("If-Range", ifRange);
        var (body, response) = await GetAsync(session, request);

        Assert.Equal((200, whole), (response.StatusCode, body));
        Assert.Single(Seen(name));
    }

    /// <summary>Replaces <c>{form:offset}</c> (imf, rfc850 or asctime; seconds from now, or <c>now</c>) with that date.</summary>
    private static string Dates(string fields)
    {
        var now = DateTimeOffset.UtcNow;
        return System.Text.RegularExpressions.Regex.Replace(fields, @"\{(\w+):([^}]+)\}", match =>
        {
            var at = match.Groups[2].Value == "now" ? now : now.AddSeconds(int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
            return match.Groups[1].Value switch
            {
                "imf" => at.ToString("r", CultureInfo.InvariantCulture),
                "rfc850" => at.ToString("dddd, dd-MMM-yy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture),
                _ => string.Create(CultureInfo.InvariantCulture, $"{at:ddd MMM} {at.Day,2} {at:HH:mm:ss yyyy}"),
            };
        });
    }
}

using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cache;

/// <summary>
/// RFC 9111 private-cache behaviour against the loopback server, case by case after the public HTTP cache test suite
/// (cache-tests.fyi): what the app receives, and what reached the server (request count, conditional headers).
/// </summary>
public sealed partial class HttpCacheTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Resource(TestServer server, string query)
    {
        public string Name { get; } = "r" + Guid.NewGuid().ToString("N")[..12];

        public Uri Url => server.Url($"/cache/{Name}?{query}");

        public string[] Seen => server.CacheRequests.TryGetValue(Name, out var seen) ? [.. seen] : [];
    }

    private Resource With(string query) => new(server, query);

    private static UrlSession NewSession(UrlCache? cache = null, RequestCachePolicy policy = RequestCachePolicy.UseProtocolCachePolicy, IUrlSessionDelegate? @delegate = null)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.UrlCache = cache ?? new UrlCache(1 << 20, 0, null);
        configuration.RequestCachePolicy = policy;
        return new UrlSession(configuration, @delegate);
    }

    private static async Task<(string Body, HttpUrlResponse Response)> GetAsync(UrlSession session, Resource resource, Func<UrlRequest, UrlRequest>? shape = null)
    {
        var request = new UrlRequest(resource.Url);
        var (data, response) = await session.DataAsync(shape?.Invoke(request) ?? request, Ct);
        return (Encoding.UTF8.GetString(data), (HttpUrlResponse)response);
    }

    private static string Body(Resource r, int hit) => $"{r.Name} #{hit}";

    [Fact]
    public async Task Setting_the_memory_capacity_to_zero_evicts_every_entry_at_once()
    {
        var cache = new UrlCache(1 << 20, 0, null);
        var first = With("cc=max-age%3D3600");
        var second = With("cc=max-age%3D3600&pad=4000");
        await using var session = NewSession(cache);
        await GetAsync(session, first);
        await GetAsync(session, second);
        Assert.True(cache.CurrentMemoryUsage > 4000);

        cache.MemoryCapacity = 0;

        Assert.Equal(0, cache.CurrentMemoryUsage);
        Assert.Equal(Body(first, 2), (await GetAsync(session, first)).Body);
        Assert.Equal(["GET", "GET"], first.Seen);
    }

    [Fact]
    public async Task Lowering_the_memory_capacity_evicts_the_least_recently_used_entries_first()
    {
        var cache = new UrlCache(1 << 20, 0, null);
        var resources = Enumerable.Range(0, 25).Select(_ => With("cc=max-age%3D3600&pad=1000")).ToArray();
        await using var session = NewSession(cache);
        foreach (var r in resources)
            await GetAsync(session, r);
        long one = cache.CurrentMemoryUsage / resources.Length;

        // Room for 20 of the 25 (and 5% of it still holds one): the 5 least recently used go.
        cache.MemoryCapacity = one * 20 + one / 2;

        Assert.Equal(one * 20, cache.CurrentMemoryUsage);
        Assert.StartsWith(Body(resources[^1], 1) + "x", (await GetAsync(session, resources[^1])).Body, StringComparison.Ordinal);
        Assert.StartsWith(Body(resources[0], 2) + "x", (await GetAsync(session, resources[0])).Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cc=max-age%3D3600")]                        // freshness-max-age
    [InlineData("expires=3600")]                             // freshness-expires-future
    [InlineData("lm=864000")]                                // heuristic freshness: 10% of 10 days
    [InlineData("cc=max-age%3D3600,private")]                // private responses are for this cache
    [InlineData("cc=max-age%3D3600&vary=Accept-Language")]   // vary-match (same request headers)
    public async Task A_fresh_response_is_served_from_the_cache(string query)
    {
        var r = With(query);
        await using var session = NewSession();
        Assert.Equal(Body(r, 1), (await GetAsync(session, r)).Body);
        var (body, response) = await GetAsync(session, r);
        Assert.Equal(Body(r, 1), body);
        Assert.Equal(200, response.StatusCode);
        Assert.NotNull(response.ValueForHttpHeaderField("Age"));
        Assert.Equal(["GET"], r.Seen);
    }

    [Theory]
    [InlineData("cc=max-age%3D0")]                           // freshness-max-age-0
    [InlineData("expires=-10")]                              // freshness-expires-past
    [InlineData("cc=max-age%3D60&age=120")]                  // an Age beyond max-age makes it stale
    [InlineData("cc=no-store,max-age%3D3600")]               // no-store
    [InlineData("cc=max-age%3D3600&vary=*")]                 // vary-star is never stored
    [InlineData("cc=max-age%3D3600&status=206")]             // partial content is never stored as complete
    public async Task A_response_that_is_stale_or_not_storable_is_fetched_again(string query)
    {
        var r = With(query);
        await using var session = NewSession();
        await GetAsync(session, r);
        var (body, _) = await GetAsync(session, r);
        Assert.Equal(Body(r, 2), body);
        Assert.Equal(["GET", "GET"], r.Seen);
    }

    [Theory]
    [InlineData("cc=max-age%3D0&etag=v1", "GET inm=\"v1\" ims")]          // conditional-etag (If-Modified-Since only with Last-Modified)
    [InlineData("cc=no-cache&etag=v1", "GET inm=\"v1\"")]                  // no-cache: always validate
    [InlineData("cc=no-cache&lm=3600", "GET ims")]                         // conditional-lm
    public async Task A_stale_response_with_a_validator_is_revalidated_and_a_304_serves_the_stored_body(string query, string conditional)
    {
        var r = With(query);
        await using var session = NewSession();
        await GetAsync(session, r);
        var (body, response) = await GetAsync(session, r);
        Assert.Equal(Body(r, 1), body);
        Assert.Equal(200, response.StatusCode);
        // 304 merging: the stored headers are updated with the 304's.
        Assert.Equal("2", response.ValueForHttpHeaderField("X-Hit"));
        Assert.Equal("GET", r.Seen[0]);
        Assert.Equal(conditional.Replace(" ims", query.Contains("lm=", StringComparison.Ordinal) ? " ims" : "", StringComparison.Ordinal), r.Seen[1]);
    }

    [Theory]
    [InlineData("no-cache")]
    [InlineData("max-age=0")]
    public async Task A_request_that_asks_for_validation_revalidates_a_fresh_response(string requestDirective)
    {
        var r = With("cc=max-age%3D3600&etag=v1");
        await using var session = NewSession();
        await GetAsync(session, r);
        var (body, _) = await GetAsync(session, r, request => request.WithHeader("Cache-Control", requestDirective));
        Assert.Equal(Body(r, 1), body);
        Assert.Equal(["GET", "GET inm=\"v1\""], r.Seen);
    }

    [Fact]
    public async Task Different_values_of_a_Vary_header_are_different_responses()
    {
        var r = With("cc=max-age%3D3600&vary=Accept-Language");
        await using var session = NewSession();
        await GetAsync(session, r, q => q.WithHeader("Accept-Language", "en"));
        var (body, _) = await GetAsync(session, r, q => q.WithHeader("Accept-Language", "fr"));
        Assert.Equal(Body(r, 2), body);
    }

    [Fact]
    public async Task Only_if_cached_answers_504_when_nothing_is_stored_and_the_stored_response_when_it_is_fresh()
    {
        var r = With("cc=max-age%3D3600");
        await using var session = NewSession();
        var (_, missing) = await GetAsync(session, r, q => q.WithHeader("Cache-Control", "only-if-cached"));
        Assert.Equal(504, missing.StatusCode);
        Assert.Empty(r.Seen);
        await GetAsync(session, r);
        Assert.Equal(Body(r, 1), (await GetAsync(session, r, q => q.WithHeader("Cache-Control", "only-if-cached"))).Body);
    }

    [Theory]
    [InlineData("cc=max-age%3D0,must-revalidate&etag=v1&fail=2", 500)]    // must-revalidate: the error is delivered
    [InlineData("cc=max-age%3D0,stale-if-error%3D60&fail=2", 200)]        // stale-if-error: the stored response is
    public async Task A_server_error_during_revalidation_serves_stale_only_when_allowed(string query, int expected)
    {
        var r = With(query);
        await using var session = NewSession();
        await GetAsync(session, r);
        var (body, response) = await GetAsync(session, r);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == 200 ? Body(r, 1) : $"{r.Name} failed #2", body);
    }

    [Fact]
    public async Task Stale_while_revalidate_answers_at_once_and_refreshes_the_cache_behind()
    {
        var r = With("cc=max-age%3D1,stale-while-revalidate%3D3600&age=5");
        await using var session = NewSession();
        await GetAsync(session, r);
        Assert.Equal(Body(r, 1), (await GetAsync(session, r)).Body);
        // The background refresh reaches the server (bounded wait), and the next answer is the refreshed one.
        for (int i = 0; i < 400 && r.Seen.Length < 2; i++)
            await Task.Delay(10, Ct);
        Assert.Equal(2, r.Seen.Length);
        for (int i = 0; i < 400 && session.Configuration.UrlCache!.CachedResponse(new UrlRequest(r.Url)) is { } c && Encoding.UTF8.GetString(c.Data.Span) != Body(r, 2); i++)
            await Task.Delay(10, Ct);
        Assert.Equal(Body(r, 2), (await GetAsync(session, r)).Body);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task A_successful_unsafe_request_invalidates_the_stored_response(string method)
    {
        var r = With("cc=max-age%3D3600");
        await using var session = NewSession();
        await GetAsync(session, r);
        await GetAsync(session, r, q => q with { HttpMethod = method });
        Assert.Equal(Body(r, 3), (await GetAsync(session, r)).Body);
    }

    [Fact]
    public async Task An_immutable_fresh_response_is_not_revalidated_even_on_reload()
    {
        var r = With("cc=max-age%3D3600,immutable&etag=v1");
        await using var session = NewSession();
        await GetAsync(session, r);
        Assert.Equal(Body(r, 1), (await GetAsync(session, r, q => q with { CachePolicy = RequestCachePolicy.ReloadRevalidatingCacheData })).Body);
        Assert.Equal(["GET"], r.Seen);
    }

    [Fact]
    public async Task Apples_cache_policies_decide_between_cache_and_network()
    {
        var fresh = With("cc=max-age%3D3600&etag=v1");
        var stale = With("cc=max-age%3D0");
        await using var session = NewSession();
        await GetAsync(session, fresh);
        await GetAsync(session, stale);

        Assert.Equal(Body(fresh, 2), (await GetAsync(session, fresh, q => q with { CachePolicy = RequestCachePolicy.ReloadIgnoringLocalCacheData })).Body);
        Assert.Equal("GET inm=\"v1\"", (await GetAsync(session, fresh, q => q with { CachePolicy = RequestCachePolicy.ReloadRevalidatingCacheData }), fresh.Seen[^1]).Item2);
        Assert.Equal(Body(stale, 1), (await GetAsync(session, stale, q => q with { CachePolicy = RequestCachePolicy.ReturnCacheDataElseLoad })).Body);
        Assert.Equal(Body(stale, 1), (await GetAsync(session, stale, q => q with { CachePolicy = RequestCachePolicy.ReturnCacheDataDoNotLoad })).Body);
        Assert.Single(stale.Seen);

        var never = With("cc=max-age%3D3600");
        var error = await Assert.ThrowsAsync<UrlError>(() => GetAsync(session, never, q => q with { CachePolicy = RequestCachePolicy.ReturnCacheDataDoNotLoad }));
        Assert.Equal(UrlErrorCode.CannotLoadFromNetwork, error.Code);
        Assert.Empty(never.Seen);
    }

    [Fact]
    public async Task The_configuration_policy_applies_to_requests_that_set_none()
    {
        var r = With("cc=max-age%3D3600");
        var cache = new UrlCache(1 << 20, 0, null);
        await using (var warm = NewSession(cache))
            await GetAsync(warm, r);
        await using var reloading = NewSession(cache, RequestCachePolicy.ReloadIgnoringLocalCacheData);
        Assert.Equal(Body(r, 2), (await GetAsync(reloading, r)).Body);
    }

    [UrlSessionDelegate]
    private sealed partial class CacheEditor(Func<CachedUrlResponse, CachedUrlResponse?> edit)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Offers { get; private set; }

        private CachedUrlResponse? WillCacheResponse(CachedUrlResponse proposedResponse)
        {
            Offers++;
            return edit(proposedResponse);
        }

        private void DidCompleteWithError(UrlError? error) => Done.TrySetResult();
    }

    [Fact]
    public async Task WillCacheResponse_can_refuse_or_change_what_is_stored()
    {
        var cache = new UrlCache(1 << 20, 0, null);
        var refused = With("cc=max-age%3D3600");
        var refusing = new CacheEditor(_ => null);
        await using (var session = NewSession(cache, @delegate: refusing))
        {
            session.DataTask(refused.Url).Resume();
            await refusing.Done.Task.WaitAsync(Ct);
        }
        Assert.Equal(1, refusing.Offers);
        Assert.Null(cache.CachedResponse(new UrlRequest(refused.Url)));

        var changed = With("cc=max-age%3D3600");
        var editing = new CacheEditor(p => p with { Data = "edited"u8.ToArray() });
        await using (var session = NewSession(cache, @delegate: editing))
        {
            session.DataTask(changed.Url).Resume();
            await editing.Done.Task.WaitAsync(Ct);
        }
        await using var reader = NewSession(cache);
        Assert.Equal("edited", (await GetAsync(reader, changed)).Body);
        Assert.Single(changed.Seen);
    }

    [Fact]
    public async Task The_memory_store_evicts_the_least_recently_used_response_at_capacity()
    {
        // About 540 bytes an entry (body and bookkeeping): room for 22, and each within 5% of the capacity.
        var cache = new UrlCache(12_000, 0, null);
        await using var session = NewSession(cache);
        var kept = With("cc=max-age%3D3600");
        await GetAsync(session, kept);
        var others = Enumerable.Range(0, 30).Select(_ => With("cc=max-age%3D3600")).ToList();
        foreach (var other in others)
        {
            await GetAsync(session, other);
            await GetAsync(session, kept);     // served from memory, and now the most recently used
        }
        Assert.Equal(["GET"], kept.Seen);
        Assert.NotNull(cache.CachedResponse(new UrlRequest(kept.Url)));
        Assert.Null(cache.CachedResponse(new UrlRequest(others[0].Url)));
        Assert.NotNull(cache.CachedResponse(new UrlRequest(others[^1].Url)));
        int stored = others.Count(o => cache.CachedResponse(new UrlRequest(o.Url)) is not null);
        Assert.InRange(stored, 15, 21);
        Assert.InRange(cache.CurrentMemoryUsage, 1, 12_000);
    }

    [Theory]
    [InlineData("")]
    [InlineData("&chunked=1")]     // no Content-Length: the copy stops once the body outgrows the limit
    public async Task A_response_over_5_percent_of_the_capacity_is_not_stored_nor_offered_to_WillCacheResponse(string framing)
    {
        var cache = new UrlCache(20_000, 0, null);   // keeps bodies up to 1,000 bytes, bookkeeping included
        var large = With($"cc=max-age%3D3600&pad=2000{framing}");
        var small = With($"cc=max-age%3D3600&pad=100{framing}");
        async Task<int> OffersWhileLoading(Resource resource)
        {
            var editor = new CacheEditor(proposed => proposed);
            await using var session = NewSession(cache, @delegate: editor);
            session.DataTask(resource.Url).Resume();
            await editor.Done.Task.WaitAsync(Ct);
            return editor.Offers;
        }

        Assert.Equal(0, await OffersWhileLoading(large));
        Assert.Null(cache.CachedResponse(new UrlRequest(large.Url)));
        await using var session = NewSession(cache);
        var (body, _) = await GetAsync(session, large);
        Assert.Equal(Body(large, 2) + new string('x', 2000), body);

        Assert.Equal(1, await OffersWhileLoading(small));
        Assert.NotNull(cache.CachedResponse(new UrlRequest(small.Url)));
        Assert.StartsWith(Body(small, 1), (await GetAsync(session, small)).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responses_stored_by_hand_are_served_and_removed()
    {
        var r = With("cc=max-age%3D3600");
        var cache = new UrlCache(1 << 20, 0, null);
        var stored = new HttpUrlResponse(r.Url, 200, "HTTP/1.1", new Dictionary<string, string> { ["Cache-Control"] = "max-age=3600", ["Date"] = DateTimeOffset.UtcNow.ToString("r") });
        cache.StoreCachedResponse(new CachedUrlResponse(stored, "by hand"u8.ToArray()), new UrlRequest(r.Url));
        await using var session = NewSession(cache);
        Assert.Equal("by hand", (await GetAsync(session, r)).Body);
        cache.RemoveCachedResponse(new UrlRequest(r.Url));
        Assert.Equal(Body(r, 1), (await GetAsync(session, r)).Body);
        cache.RemoveAllCachedResponses();
        Assert.Equal(0, cache.CurrentMemoryUsage);
    }
}

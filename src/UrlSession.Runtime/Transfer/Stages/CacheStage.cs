using System;
using System.IO;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading.Transfer;

/// <summary>
/// How a data task's response comes from the session's <see cref="UrlCache"/> (RFC 9111 for a private cache, and
/// Apple's request cache policies): served fresh, revalidated, served stale when RFC 5861 allows, or fetched and
/// stored once its body has been read.
/// </summary>
internal static class CacheStage
{
    public static async Task<Exchange> SendAsync(TransferEngine engine, UrlCache cache, UrlSessionConfiguration configuration, UrlSessionTask task, TransferClock clock, MetricsRecorder metrics)
    {
        var request = task.CurrentRequest;
        var policy = request.CachePolicy != RequestCachePolicy.UseProtocolCachePolicy ? request.CachePolicy : configuration.RequestCachePolicy;
        var requestTime = DateTimeOffset.UtcNow;
        if (request.HttpMethod != "GET")
        {
            var unsafeExchange = await engine.SendToNetworkAsync(task, clock, metrics, null).ConfigureAwait(false);
            if (request.HttpMethod is not "HEAD" and not "OPTIONS" and not "TRACE" && unsafeExchange.Response.StatusCode is >= 200 and < 400)
                Invalidate(cache, request.Url, unsafeExchange.Response);
            return unsafeExchange;
        }
        if (policy is RequestCachePolicy.ReloadIgnoringLocalCacheData or RequestCachePolicy.ReloadIgnoringLocalAndRemoteCacheData)
            return Capture(cache, request, await engine.SendToNetworkAsync(task, clock, metrics, null).ConfigureAwait(false), requestTime);

        var requestDirectives = HttpCaching.Directives(HttpCaching.Header(request, "Cache-Control"));
        var entry = cache.Lookup(request);
        if (entry is null)
        {
            if (policy == RequestCachePolicy.ReturnCacheDataDoNotLoad)
                throw new UrlError(UrlErrorCode.CannotLoadFromNetwork, request.Url, "Nothing is cached for this request, and its cache policy ReturnCacheDataDoNotLoad forbids loading it.");
            if (requestDirectives.ContainsKey("only-if-cached"))
                return GatewayTimeout(request, requestTime);
            return Capture(cache, request, await engine.SendToNetworkAsync(task, clock, metrics, null).ConfigureAwait(false), requestTime);
        }

        var responseDirectives = HttpCaching.Directives(entry.Response.ValueForHttpHeaderField("Cache-Control"));
        var lifetime = HttpCaching.FreshnessLifetime(entry.Response);
        var age = HttpCaching.CurrentAge(entry, requestTime);
        bool fresh = age < lifetime;
        switch (policy)
        {
            case RequestCachePolicy.ReturnCacheDataElseLoad or RequestCachePolicy.ReturnCacheDataDoNotLoad:
                return FromCache(entry, request, age, requestTime);
            case RequestCachePolicy.ReloadRevalidatingCacheData:
                // RFC 8246: an immutable response is not revalidated while fresh, even on reload.
                if (fresh && responseDirectives.ContainsKey("immutable"))
                    return FromCache(entry, request, age, requestTime);
                return await RevalidateAsync(engine, cache, task, clock, metrics, entry, age, lifetime, requestTime).ConfigureAwait(false);
        }

        bool validateFirst = responseDirectives.ContainsKey("no-cache") || requestDirectives.ContainsKey("no-cache")
            || (HttpCaching.Seconds(requestDirectives, "max-age") is { } maxAge && age > maxAge && !(fresh && responseDirectives.ContainsKey("immutable")))
            || (HttpCaching.Seconds(requestDirectives, "min-fresh") is { } minFresh && age + minFresh > lifetime);
        if (fresh && !validateFirst)
            return FromCache(entry, request, age, requestTime);
        bool mayServeStale = !validateFirst && !responseDirectives.ContainsKey("must-revalidate") && !responseDirectives.ContainsKey("no-cache");
        if (mayServeStale && HttpCaching.Seconds(requestDirectives, "max-stale") is { } maxStale && age < lifetime + maxStale)
            return FromCache(entry, request, age, requestTime);
        if (requestDirectives.ContainsKey("only-if-cached"))
            return GatewayTimeout(request, requestTime);
        if (mayServeStale && HttpCaching.Seconds(responseDirectives, "stale-while-revalidate") is { } window && age < lifetime + window)
        {
            // RFC 5861: answer at once with the stale response, and bring the cache up to date behind it.
            _ = RefreshInBackgroundAsync(engine, cache, entry, request, configuration);
            return FromCache(entry, request, age, requestTime);
        }
        return await RevalidateAsync(engine, cache, task, clock, metrics, entry, age, lifetime, requestTime).ConfigureAwait(false);
    }

    /// <summary>Once the task has read the whole body: offers the response to <c>WillCacheResponse</c> and stores what it keeps.</summary>
    public static async ValueTask CommitAsync(UrlSessionDataTask task, Exchange exchange, bool askDelegate)
    {
        if (exchange.CacheCandidate is not { } candidate || exchange.CacheBody is not { } body || task.Session.ConfigurationSnapshot.UrlCache is not { } cache)
            return;
        if (body.Length > cache.MaximumEntrySize)
            return;
        var entry = candidate(UrlSessionDataTask.Contents(body));
        var proposed = entry.Cached;
        if (askDelegate && task.Session.Answers(UrlSessionCallbacks.WillCacheResponse))
        {
            var answer = await task.Session.WillCacheResponseAsync(task, proposed).ConfigureAwait(false);
            if (answer is null)
                return;
            proposed = answer;
        }
        cache.Store(exchange.Request, entry with { Cached = proposed });
    }

    private static async Task<Exchange> RevalidateAsync(TransferEngine engine, UrlCache cache, UrlSessionTask task, TransferClock clock, MetricsRecorder metrics,
        CacheEntry entry, TimeSpan age, TimeSpan lifetime, DateTimeOffset requestTime)
    {
        var request = task.CurrentRequest;
        var conditional = Conditional(entry);
        Exchange exchange;
        try
        {
            exchange = await engine.SendToNetworkAsync(task, clock, metrics, conditional).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or UrlError or OperationCanceledException && !task.IsCancelled && StaleIfError(entry, request, age, lifetime))
        {
            return FromCache(entry, request, age, requestTime);
        }
        if (exchange.Response.StatusCode == 304)
        {
            var merged = HttpCaching.Merge(entry.Response, exchange.Response);
            exchange.Complete(metrics);
            exchange.Dispose();
            var updated = entry with { Cached = entry.Cached with { Response = merged }, RequestTime = requestTime, ResponseTime = DateTimeOffset.UtcNow };
            cache.Store(request, updated);
            return FromCache(updated, request, HttpCaching.CurrentAge(updated, DateTimeOffset.UtcNow), requestTime);
        }
        if (exchange.Response.StatusCode >= 500 && StaleIfError(entry, request, age, lifetime))
        {
            exchange.Complete(metrics);
            exchange.Dispose();
            return FromCache(entry, request, age, requestTime);
        }
        return Capture(cache, request, exchange, requestTime);
    }

    private static async Task RefreshInBackgroundAsync(TransferEngine engine, UrlCache cache, CacheEntry entry, UrlRequest request,
        UrlSessionConfiguration configuration)
    {
        try
        {
            using var limit = new CancellationTokenSource(configuration.TimeoutIntervalForRequest);
            var requestTime = DateTimeOffset.UtcNow;
            // No task waits for this body: only what the cache would keep is read, and never more than a task may hold.
            long maximumBodySize = Math.Min(cache.MaximumEntrySize, configuration.MaximumInMemoryBodySize);
            var (response, body) = await engine.FetchAsync(request, Conditional(entry), maximumBodySize, limit.Token)
                .ConfigureAwait(false);
            if (response.StatusCode == 304)
                cache.Store(request, entry with { Cached = entry.Cached with { Response = HttpCaching.Merge(entry.Response, response) }, RequestTime = requestTime, ResponseTime = DateTimeOffset.UtcNow });
            else if (HttpCaching.IsStorable(request, response))
                cache.Store(request, new CacheEntry(new CachedUrlResponse(response, body), requestTime, DateTimeOffset.UtcNow, HttpCaching.VaryValues(request, response)));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or UrlError
            or InvalidDataException or InvalidOperationException { Source: "System.IO.Compression.Brotli" })
        {
            // No task waits for this refresh (a lost connection, a body too big or one that does not decode): the
            // stale entry stays and the next request revalidates it.
        }
    }

    /// <summary>A network exchange whose body is copied for the cache as the task reads it, when the response may be stored.</summary>
    private static Exchange Capture(UrlCache cache, UrlRequest request, Exchange exchange, DateTimeOffset requestTime)
    {
        var response = exchange.Response;
        if (!HttpCaching.IsStorable(request, response) || response.ExpectedContentLength > cache.MaximumEntrySize)
            return exchange;
        exchange.CacheBody = new System.IO.MemoryStream(response.ExpectedContentLength is > 0 and var length && length <= cache.MaximumEntrySize ? (int)length : 0);
        exchange.CacheLimit = cache.MaximumEntrySize;
        var responseTime = DateTimeOffset.UtcNow;
        var varyValues = HttpCaching.VaryValues(request, response);
        exchange.CacheCandidate = body => new CacheEntry(new CachedUrlResponse(response, body), requestTime, responseTime, varyValues);
        return exchange;
    }

    private static Dictionary<string, string>? Conditional(CacheEntry entry)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (entry.Response.ValueForHttpHeaderField("ETag") is { } tag && IsSendable(tag))
            headers["If-None-Match"] = tag;
        if (entry.Response.ValueForHttpHeaderField("Last-Modified") is { } modified && IsSendable(modified))
            headers["If-Modified-Since"] = modified;
        return headers.Count > 0 ? headers : null;
    }

    /// <summary>
    /// A validator with control or non-ASCII bytes cannot go in a request header: sending it would fail every later
    /// load of the resource for as long as the entry lives, so such an entry is revalidated unconditionally.
    /// </summary>
    private static bool IsSendable(string validator) => !validator.AsSpan().ContainsAnyExceptInRange(' ', '~');

    private static bool StaleIfError(CacheEntry entry, UrlRequest request, TimeSpan age, TimeSpan lifetime)
    {
        var responseDirectives = HttpCaching.Directives(entry.Response.ValueForHttpHeaderField("Cache-Control"));
        if (responseDirectives.ContainsKey("must-revalidate") || responseDirectives.ContainsKey("no-cache"))
            return false;
        var window = HttpCaching.Seconds(HttpCaching.Directives(HttpCaching.Header(request, "Cache-Control")), "stale-if-error")
            ?? HttpCaching.Seconds(responseDirectives, "stale-if-error");
        return window is { } w && age < lifetime + w;
    }

    /// <summary>RFC 9111 §4.4: a successful unsafe request invalidates the target URI and its Location and Content-Location on the same origin.</summary>
    private static void Invalidate(UrlCache cache, Uri target, HttpUrlResponse response)
    {
        cache.Remove(target);
        foreach (var header in new[] { "Location", "Content-Location" })
        {
            if (response.ValueForHttpHeaderField(header) is { } value && Uri.TryCreate(target, value, out var other)
                && Uri.Compare(other, target, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
                cache.Remove(other);
        }
    }

    private static Exchange FromCache(CacheEntry entry, UrlRequest request, TimeSpan age, DateTimeOffset requestTime)
    {
        var stored = entry.Response;
        var (statusCode, headers, body) = HttpCaching.Answer(entry, request, age);
        var response = new HttpUrlResponse(stored.Url, statusCode, stored.HttpVersion, headers);
        var message = new HttpResponseMessage((HttpStatusCode)statusCode) { Content = new ReadOnlyMemoryContent(body), Version = HttpVersion.Version11 };
        return new Exchange(request, message, response, requestTime, DateTimeOffset.UtcNow);
    }

    /// <summary>RFC 9111 §5.2.1.7: only-if-cached with nothing usable answers 504 Gateway Timeout.</summary>
    private static Exchange GatewayTimeout(UrlRequest request, DateTimeOffset requestTime)
    {
        var response = new HttpUrlResponse(request.Url, 504, "HTTP/1.1", new Dictionary<string, string> { ["Content-Length"] = "0" });
        var message = new HttpResponseMessage(HttpStatusCode.GatewayTimeout) { Content = new ReadOnlyMemoryContent(ReadOnlyMemory<byte>.Empty) };
        return new Exchange(request, message, response, requestTime, DateTimeOffset.UtcNow);
    }
}

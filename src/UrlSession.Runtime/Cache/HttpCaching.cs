using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace UrlLoading;

/// <summary>The private-cache rules of RFC 9111 (with RFC 5861's stale extensions and RFC 8246's <c>immutable</c>).</summary>
internal static class HttpCaching
{
    /// <summary>Status codes a cache may store and reuse without explicit freshness (RFC 9110 §15.1, "heuristically cacheable").</summary>
    private static readonly HashSet<int> s_heuristic = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501];

    /// <summary>What <see cref="Directives"/> returns for no Cache-Control at all (most requests): read only, never added to.</summary>
    private static readonly Dictionary<string, string?> s_none = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The directives of a Cache-Control value: name (lower case) to argument (null when it has none). Read only.</summary>
    public static Dictionary<string, string?> Directives(string? cacheControl)
    {
        if (cacheControl is null)
            return s_none;
        var directives = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in cacheControl.Split(','))
        {
            var item = part.Trim();
            if (item.Length == 0)
                continue;
            int equals = item.IndexOf('=');
            if (equals < 0)
                directives[item] = null;
            else
                directives[item[..equals].Trim()] = item[(equals + 1)..].Trim().Trim('"');
        }
        return directives;
    }

    public static TimeSpan? Seconds(Dictionary<string, string?> directives, string name) =>
        directives.TryGetValue(name, out var value) && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            ? TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue))
            : null;

    public static DateTimeOffset? Date(string? value) =>
        value is not null && DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;

    /// <summary>Whether a private cache may store this response to this request (RFC 9111 §3).</summary>
    public static bool IsStorable(UrlRequest request, HttpUrlResponse response)
    {
        if (request.HttpMethod != "GET" || response.StatusCode is 206 or < 200 || response.StatusCode is 304)
            return false;
        var requestDirectives = Directives(Header(request, "Cache-Control"));
        var responseDirectives = Directives(response.ValueForHttpHeaderField("Cache-Control"));
        if (requestDirectives.ContainsKey("no-store") || responseDirectives.ContainsKey("no-store"))
            return false;
        if (response.ValueForHttpHeaderField("Vary") is { } vary && vary.Split(',').Any(v => v.Trim() == "*"))
            return false;
        bool explicitFreshness = responseDirectives.ContainsKey("max-age") || response.ValueForHttpHeaderField("Expires") is not null;
        bool validator = response.ValueForHttpHeaderField("ETag") is not null || response.ValueForHttpHeaderField("Last-Modified") is not null;
        return explicitFreshness || responseDirectives.ContainsKey("public") || (s_heuristic.Contains(response.StatusCode) && (validator || responseDirectives.ContainsKey("no-cache")));
    }

    /// <summary>How long the response stays fresh (RFC 9111 §4.2.1): max-age, else Expires − Date, else 10% of Date − Last-Modified.</summary>
    public static TimeSpan FreshnessLifetime(HttpUrlResponse response)
    {
        var directives = Directives(response.ValueForHttpHeaderField("Cache-Control"));
        if (Seconds(directives, "max-age") is { } maxAge)
            return maxAge;
        var date = Date(response.ValueForHttpHeaderField("Date"));
        if (response.ValueForHttpHeaderField("Expires") is { } expiresText)
        {
            // An invalid Expires (such as "0") means already expired.
            return Date(expiresText) is { } expires && date is { } served ? Max(TimeSpan.Zero, expires - served)
                : Date(expiresText) is { } absolute ? Max(TimeSpan.Zero, absolute - DateTimeOffset.UtcNow)
                : TimeSpan.Zero;
        }
        if (s_heuristic.Contains(response.StatusCode) && Date(response.ValueForHttpHeaderField("Last-Modified")) is { } modified)
            return Max(TimeSpan.Zero, ((date ?? DateTimeOffset.UtcNow) - modified) / 10);
        return TimeSpan.Zero;
    }

    /// <summary>The stored response's current age (RFC 9111 §4.2.3).</summary>
    public static TimeSpan CurrentAge(CacheEntry entry, DateTimeOffset now)
    {
        var response = entry.Response;
        var date = Date(response.ValueForHttpHeaderField("Date")) ?? entry.ResponseTime;
        var apparentAge = Max(TimeSpan.Zero, entry.ResponseTime - date);
        var ageValue = long.TryParse(response.ValueForHttpHeaderField("Age"), NumberStyles.None, CultureInfo.InvariantCulture, out long age) ? TimeSpan.FromSeconds(age) : TimeSpan.Zero;
        var responseDelay = entry.ResponseTime - entry.RequestTime;
        var correctedInitialAge = Max(apparentAge, ageValue + responseDelay);
        return correctedInitialAge + (now - entry.ResponseTime);
    }

    /// <summary>The request's values of the headers the response's Vary names.</summary>
    public static IReadOnlyDictionary<string, string?> VaryValues(UrlRequest request, HttpUrlResponse response)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (response.ValueForHttpHeaderField("Vary") is { } vary)
        {
            foreach (var name in vary.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                values[name] = Header(request, name);
        }
        return values;
    }

    public static bool VaryMatches(CacheEntry entry, UrlRequest request) =>
        entry.VaryValues.All(v => string.Equals(Normalize(v.Value), Normalize(Header(request, v.Key)), StringComparison.Ordinal));

    public static string? Header(UrlRequest request, string name) => request.Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The stored response updated with the header fields of a 304 (RFC 9111 §4.3.4).</summary>
    public static HttpUrlResponse Merge(HttpUrlResponse stored, HttpUrlResponse notModified)
    {
        var headers = new Dictionary<string, string>(stored.Headers, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in notModified.Headers)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
                && !name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                headers[name] = value;
        }
        return new HttpUrlResponse(stored.Url, stored.StatusCode, stored.HttpVersion, headers);
    }

    private static string? Normalize(string? value) => value?.Trim();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

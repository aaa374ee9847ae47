using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;

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

    public static DateTimeOffset? Date(string? value) => HttpDate.Parse(value, DateTimeOffset.UtcNow);

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
        string? ageText = FirstMember(response.ValueForHttpHeaderField("Age"));
        var ageValue = long.TryParse(ageText, NumberStyles.None, CultureInfo.InvariantCulture, out long age)
            ? TimeSpan.FromSeconds(Math.Min(age, int.MaxValue))
            : TimeSpan.Zero;
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

    /// <summary>The stored response updated with the header fields of a 304 (RFC 9111 §4.3.4), hop-by-hop fields left out.</summary>
    public static HttpUrlResponse Merge(HttpUrlResponse stored, HttpUrlResponse notModified)
    {
        var updates = new List<KeyValuePair<string, string>>(notModified.Headers.Count);
        foreach (var (name, _) in notModified.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (var line in notModified.AllHeaderFieldValues(name))
                updates.Add(new(name, line));
        }
        var merged = FieldLines(stored, CollectionsMarshal.AsSpan(updates));
        return WithoutHopByHopFields(new HttpUrlResponse(stored.Url, stored.StatusCode, stored.HttpVersion, merged));
    }

    /// <summary>
    /// The response without the fields that describe one connection, not the resource (RFC 9111 §3.1, RFC 9110
    /// §7.6.1): <c>Connection</c> and every field it names, <c>Keep-Alive</c>, <c>TE</c>, <c>Transfer-Encoding</c>,
    /// <c>Upgrade</c> and the <c>Proxy-</c> fields. The same response when it has none.
    /// </summary>
    public static HttpUrlResponse WithoutHopByHopFields(HttpUrlResponse response)
    {
        string[] connectionOptions = response.ValueForHttpHeaderField("Connection") is { } connection
            ? connection.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        bool any = false;
        foreach (var (name, _) in response.Headers)
            any |= IsDropped(name);
        if (!any)
            return response;
        var kept = new List<KeyValuePair<string, string>>(response.Headers.Count);
        foreach (var (name, _) in response.Headers)
        {
            if (IsDropped(name))
                continue;
            foreach (var line in response.AllHeaderFieldValues(name))
                kept.Add(new(name, line));
        }
        return new HttpUrlResponse(response.Url, response.StatusCode, response.HttpVersion, kept);

        bool IsDropped(string name)
        {
            if (IsHopByHop(name))
                return true;
            foreach (string option in connectionOptions)
            {
                if (option.Equals(name, StringComparison.OrdinalIgnoreCase))
                    return true;
            }
            return false;
        }

        static bool IsHopByHop(string name) =>
            name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
            || name.Equals("TE", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// RFC 9111 §4.3.2: whether the app's own conditional request is answered <c>304 Not Modified</c> by the stored
    /// response: an <c>If-None-Match</c> that names its entity tag (weak comparison) or is <c>*</c>; else, without
    /// <c>If-None-Match</c>, an <c>If-Modified-Since</c> no earlier than its <c>Last-Modified</c> (or its <c>Date</c>).
    /// </summary>
    public static bool IsNotModified(UrlRequest request, HttpUrlResponse stored)
    {
        if (stored.StatusCode != 200)
            return false;
        if (Header(request, "If-None-Match") is { } ifNoneMatch)
        {
            if (stored.ValueForHttpHeaderField("ETag") is not { } etag)
                return ifNoneMatch.Trim() == "*";
            foreach (var tag in ifNoneMatch.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (tag == "*" || WeakTag(tag) == WeakTag(etag.Trim()))
                    return true;
            }
            return false;
        }
        if (Date(Header(request, "If-Modified-Since")) is not { } since)
            return false;
        var modified = Date(stored.ValueForHttpHeaderField("Last-Modified")) ?? Date(stored.ValueForHttpHeaderField("Date"));
        return modified is { } m && m <= since;

        static string WeakTag(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
    }

    /// <summary>The fields a 304 carries from the stored response (RFC 9110 §15.4.5), with the cache's <c>Age</c>.</summary>
    public static Dictionary<string, string> NotModifiedHeaders(HttpUrlResponse stored, TimeSpan age)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in (ReadOnlySpan<string>)["Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary"])
        {
            if (stored.ValueForHttpHeaderField(name) is { } value)
                headers[name] = value;
        }
        headers["Age"] = ((long)Math.Max(0, age.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return headers;
    }

    /// <summary>
    /// What the cache answers from a stored response: <c>304</c> when the app's own conditional is true of it
    /// (§4.3.2), <c>206</c> with one byte range of it when the request asks for one it can satisfy (§3.4), otherwise
    /// the stored response whole, each with the cache's <c>Age</c>.
    /// </summary>
    public static (int StatusCode, IEnumerable<KeyValuePair<string, string>> Headers, ReadOnlyMemory<byte> Body) Answer(
        CacheEntry entry, UrlRequest request, TimeSpan age)
    {
        var stored = entry.Response;
        if (IsNotModified(request, stored))
            return (304, NotModifiedHeaders(stored, age), ReadOnlyMemory<byte>.Empty);
        string ageValue = ((long)Math.Max(0, age.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var body = entry.Cached.Data;
        if (RangeOf(request, stored, body.Length) is not var (first, last))
            return (stored.StatusCode, FieldLines(stored, [new("Age", ageValue)]), body);
        var partial = FieldLines(stored, [
            new("Age", ageValue),
            new("Content-Range", string.Create(CultureInfo.InvariantCulture, $"bytes {first}-{last}/{body.Length}")),
            new("Content-Length", (last - first + 1).ToString(CultureInfo.InvariantCulture)),
        ]);
        return (206, partial, body[first..(last + 1)]);
    }

    /// <summary>
    /// The stored response's field lines (repeated Set-Cookie lines stay apart), every line of a name in
    /// <paramref name="replaced"/> replaced by its lines there.
    /// </summary>
    private static List<KeyValuePair<string, string>> FieldLines(HttpUrlResponse stored,
        ReadOnlySpan<KeyValuePair<string, string>> replaced)
    {
        var lines = new List<KeyValuePair<string, string>>(stored.Headers.Count + replaced.Length);
        foreach (var (name, _) in stored.Headers)
        {
            bool isReplaced = false;
            foreach (var field in replaced)
                isReplaced |= field.Key.Equals(name, StringComparison.OrdinalIgnoreCase);
            if (isReplaced)
                continue;
            foreach (var line in stored.AllHeaderFieldValues(name))
                lines.Add(new(name, line));
        }
        lines.AddRange(replaced);
        return lines;
    }

    /// <summary>
    /// The one byte range (first and last byte) a request's <c>Range</c> asks of a stored complete 200, or null to
    /// answer with all of it, as RFC 9110 §14.2 lets a server do: no <c>Range</c>, another unit, several ranges, a
    /// range past the end, or an <c>If-Range</c> that does not name the stored response's strong entity tag or exact
    /// <c>Last-Modified</c>.
    /// </summary>
    private static (int First, int Last)? RangeOf(UrlRequest request, HttpUrlResponse stored, int length)
    {
        if (stored.StatusCode != 200 || length == 0 || Header(request, "Range") is not { } range)
            return null;
        if (Header(request, "If-Range") is { } ifRange && !IfRangeHolds(ifRange.Trim(), stored))
            return null;
        var spec = range.AsSpan().Trim();
        if (!spec.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || spec.Contains(','))
            return null;
        spec = spec["bytes=".Length..].Trim();
        int dash = spec.IndexOf('-');
        if (dash < 0)
            return null;
        var firstText = spec[..dash].Trim();
        var lastText = spec[(dash + 1)..].Trim();
        if (firstText.IsEmpty)
        {
            // A suffix range: the last N bytes.
            if (!long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out long suffix) || suffix == 0)
                return null;
            return ((int)Math.Max(0, length - suffix), length - 1);
        }
        if (!long.TryParse(firstText, NumberStyles.None, CultureInfo.InvariantCulture, out long first) || first >= length)
            return null;
        long last = length - 1;
        if (!lastText.IsEmpty && (!long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first))
            return null;
        return ((int)first, (int)Math.Min(last, length - 1));
    }

    /// <summary>RFC 9110 §13.1.5: a strong entity tag equal to the stored one, or a date equal to its <c>Last-Modified</c>.</summary>
    private static bool IfRangeHolds(string ifRange, HttpUrlResponse stored)
    {
        if (ifRange.StartsWith('"'))
            return stored.ValueForHttpHeaderField("ETag") is { } etag && etag.Trim() == ifRange;
        return !ifRange.StartsWith("W/", StringComparison.Ordinal) && Date(ifRange) is { } date
            && Date(stored.ValueForHttpHeaderField("Last-Modified")) == date;
    }

    /// <summary>The first member of a list-valued field (RFC 9111 §5.1: <c>Age: 7200, 0</c> is 7200).</summary>
    private static string? FirstMember(string? value)
    {
        if (value is null)
            return null;
        int comma = value.IndexOf(',');
        return (comma < 0 ? value : value[..comma]).Trim();
    }

    private static string? Normalize(string? value) => value?.Trim();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

using System;
using System.Collections.Generic;
using System.Text;

namespace UrlLoading;

/// <summary>
/// A cookie jar (Apple's <c>HTTPCookieStorage</c>). Sessions share a storage when their configurations name the
/// same instance. Thread-safe. This storage keeps cookies in memory; nothing is written to disk.
/// </summary>
public class HttpCookieStorage
{
    private static readonly Lazy<HttpCookieStorage> s_shared = new(() => new HttpCookieStorage());
    private readonly Dictionary<(string Domain, string Path, string Name), HttpCookie> _cookies = new();
    private readonly object _gate = new();

    /// <summary>The process-wide storage used by <see cref="UrlSessionConfiguration.Default"/> and <see cref="UrlSession.Shared"/>.</summary>
    public static HttpCookieStorage Shared => s_shared.Value;

    /// <summary>Which cookies this storage accepts. <see cref="HttpCookieAcceptPolicy.Always"/> by default.</summary>
    public HttpCookieAcceptPolicy CookieAcceptPolicy { get; set; } = HttpCookieAcceptPolicy.Always;

    /// <summary>A snapshot of all unexpired cookies.</summary>
    public IReadOnlyList<HttpCookie> Cookies
    {
        get
        {
            lock (_gate)
            {
                PurgeExpired(DateTimeOffset.UtcNow);
                return [.. _cookies.Values];
            }
        }
    }

    /// <summary>Stores a cookie, replacing one with the same domain, path and name. Ignored when the policy is <see cref="HttpCookieAcceptPolicy.Never"/>; an expired cookie deletes its match.</summary>
    /// <param name="cookie">The cookie.</param>
    public void SetCookie(HttpCookie cookie)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        if (CookieAcceptPolicy == HttpCookieAcceptPolicy.Never)
            return;
        lock (_gate)
        {
            var key = (cookie.Domain, cookie.Path, cookie.Name);
            if (cookie.IsExpired(DateTimeOffset.UtcNow))
                _cookies.Remove(key);
            else
                _cookies[key] = cookie;
        }
    }

    /// <summary>Stores cookies received from <paramref name="url"/>, applying the accept policy against <paramref name="mainDocumentUrl"/>.</summary>
    /// <param name="cookies">The cookies.</param>
    /// <param name="url">The URL they came from.</param>
    /// <param name="mainDocumentUrl">The main document's URL, or null when the request is the main document.</param>
    public void SetCookies(IEnumerable<HttpCookie> cookies, Uri url, Uri? mainDocumentUrl)
    {
        ArgumentNullException.ThrowIfNull(cookies);
        ArgumentNullException.ThrowIfNull(url);
        if (CookieAcceptPolicy == HttpCookieAcceptPolicy.Never)
            return;
        if (CookieAcceptPolicy == HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain && mainDocumentUrl is not null
            && !HttpCookie.DomainMatches(url.IdnHost.ToLowerInvariant(), mainDocumentUrl.IdnHost.ToLowerInvariant()))
            return;
        string host = url.IdnHost.ToLowerInvariant();
        foreach (var cookie in cookies)
        {
            if (HttpCookie.DomainMatches(host, cookie.Domain))
                SetCookie(cookie);
        }
    }

    /// <summary>Deletes one cookie.</summary>
    /// <param name="cookie">The cookie to delete (matched by domain, path and name).</param>
    public void DeleteCookie(HttpCookie cookie)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        lock (_gate)
            _cookies.Remove((cookie.Domain, cookie.Path, cookie.Name));
    }

    /// <summary>Deletes every cookie created at or after <paramref name="date"/>.</summary>
    /// <param name="date">The cut-off time.</param>
    public void RemoveCookies(DateTimeOffset date)
    {
        lock (_gate)
        {
            foreach (var (key, cookie) in new List<KeyValuePair<(string, string, string), HttpCookie>>(_cookies))
            {
                if (cookie.CreatedAt >= date)
                    _cookies.Remove(key);
            }
        }
    }

    /// <summary>The unexpired cookies to send to <paramref name="url"/>, longest path first (RFC 6265 section 5.4).</summary>
    /// <param name="url">The request URL.</param>
    /// <returns>The matching cookies.</returns>
    public IReadOnlyList<HttpCookie> CookiesFor(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var matches = new List<HttpCookie>();
        lock (_gate)
        {
            PurgeExpired(DateTimeOffset.UtcNow);
            foreach (var cookie in _cookies.Values)
            {
                if (cookie.Matches(url))
                    matches.Add(cookie);
            }
        }
        matches.Sort(static (a, b) => b.Path.Length != a.Path.Length ? b.Path.Length - a.Path.Length : a.CreatedAt.CompareTo(b.CreatedAt));
        return matches;
    }

    /// <summary>Builds the <c>Cookie</c> header value for a list of cookies, or null when it is empty (Apple's <c>requestHeaderFields(with:)</c>).</summary>
    /// <param name="cookies">The cookies.</param>
    /// <returns>The header value, or null.</returns>
    public static string? CookieHeader(IReadOnlyList<HttpCookie> cookies)
    {
        ArgumentNullException.ThrowIfNull(cookies);
        if (cookies.Count == 0)
            return null;
        var header = new StringBuilder();
        foreach (var cookie in cookies)
        {
            if (header.Length > 0)
                header.Append("; ");
            header.Append(cookie.Name).Append('=').Append(cookie.Value);
        }
        return header.ToString();
    }

    internal void Clear()
    {
        lock (_gate)
            _cookies.Clear();
    }

    private void PurgeExpired(DateTimeOffset now)
    {
        List<(string, string, string)>? expired = null;
        foreach (var (key, cookie) in _cookies)
        {
            if (cookie.IsExpired(now))
                (expired ??= []).Add(key);
        }
        if (expired is null)
            return;
        foreach (var key in expired)
            _cookies.Remove(key);
    }
}

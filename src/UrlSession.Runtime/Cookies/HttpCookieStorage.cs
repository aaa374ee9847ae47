using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Text;
using System.Text.Json;

namespace UrlLoading;

/// <summary>
/// A cookie jar (Apple's <c>HTTPCookieStorage</c>). Sessions share a storage when their configurations name the
/// same instance. Thread-safe. A storage made with <c>new</c> (and the ephemeral configuration's) keeps cookies in
/// memory only; <see cref="Shared"/> also keeps the cookies that have an expiry across launches, in
/// <c>$XDG_DATA_HOME/UrlSession/{app}/cookies.json</c> (mode 0600, folder 0700). It keeps at most
/// 180 cookies per site (registrable domain, or IP address) and 3,300 in all, Chromium's limits: past them it
/// evicts expired cookies first, then the least recently sent, non-<c>Secure</c> ones before <c>Secure</c> ones, down
/// to 150 for the site or 3,000 in all.
/// </summary>
public class HttpCookieStorage
{
    internal const int MaximumCookiesPerSite = 180;
    internal const int CookiesPerSiteAfterEviction = 150;
    internal const int MaximumCookies = 3300;
    internal const int CookiesAfterEviction = 3000;
    private static readonly Lazy<HttpCookieStorage> s_shared = new(() => new HttpCookieStorage(new CookieFile(CookieFile.DefaultFolder), TimeProvider.System));
    private readonly Dictionary<(string Domain, string Path, string Name), Entry> _cookies = new();
    private readonly Dictionary<string, HashSet<Entry>> _sites = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly CookieFile? _file;
    private readonly object _fileGate = new();
    private long _lastAccess;

    /// <summary>Counts every cookie stored or removed, and those with an expiry apart: what a change must announce or save.</summary>
    private long _changes;
    private long _persistentChanges;

    /// <summary>Creates an empty storage.</summary>
    public HttpCookieStorage()
        : this(TimeProvider.System)
    {
    }

    internal HttpCookieStorage(TimeProvider time) => _time = time;

    /// <summary>A storage that keeps its cookies with an expiry in <paramref name="file"/> (loaded now).</summary>
    internal HttpCookieStorage(CookieFile file, TimeProvider time)
        : this(time)
    {
        _file = file;
        try
        {
            foreach (var cookie in file.Load(time.GetUtcNow()))
                Store(cookie);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // An unreadable or unsafe file leaves the storage empty; the next save replaces it.
        }
    }

    /// <summary>
    /// Raised after cookies were stored, replaced or deleted (Apple's <c>NSHTTPCookieManagerCookiesChanged</c>): once
    /// per call that changed something (<see cref="SetCookie"/>, <see cref="SetCookies"/>, <see cref="DeleteCookie"/>,
    /// <see cref="RemoveCookies"/>, a session's reset, and each response whose <c>Set-Cookie</c> changed the storage),
    /// on the thread that made the change. Not raised when an expired cookie is dropped unasked.
    /// </summary>
    public event EventHandler? CookiesChanged;

    /// <summary>Where this storage keeps its cookies across launches, or null when it is memory-only.</summary>
    internal CookieFile? PersistentFile => _file;

    /// <summary>A stored cookie, the site whose count it is part of, and when it was last sent (an access count, not a time).</summary>
    private sealed class Entry(HttpCookie cookie, string site, long lastAccess)
    {
        public HttpCookie Cookie { get; } = cookie;

        public string Site { get; } = site;

        public long LastAccess { get; set; } = lastAccess;
    }

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
                PurgeExpired(_time.GetUtcNow());
                var all = new List<HttpCookie>(_cookies.Count);
                foreach (var entry in _cookies.Values)
                    all.Add(entry.Cookie);
                return all;
            }
        }
    }

    /// <summary>
    /// Stores a cookie, replacing one with the same domain, path and name, then evicts past the storage's limits.
    /// Ignored when the policy is <see cref="HttpCookieAcceptPolicy.Never"/>; an expired cookie deletes its match.
    /// </summary>
    /// <param name="cookie">The cookie.</param>
    public void SetCookie(HttpCookie cookie)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        if (CookieAcceptPolicy == HttpCookieAcceptPolicy.Never)
            return;
        Change(() => Store(cookie));
    }

    /// <summary>
    /// Apple's "main document domain": the request's host and the main document's host are the same, or one is a
    /// subdomain of the other (a cookie from swift.org while the main document is ci.swift.org is accepted, as on
    /// Apple's platforms; one from a tracker's host is not).
    /// </summary>
    internal static bool IsFromMainDocumentDomain(Uri url, Uri mainDocumentUrl)
    {
        string host = url.IdnHost.ToLowerInvariant(), mainDocumentHost = mainDocumentUrl.IdnHost.ToLowerInvariant();
        return HttpCookie.DomainMatches(host, mainDocumentHost) || HttpCookie.DomainMatches(mainDocumentHost, host);
    }

    /// <summary>
    /// Stores cookies received from <paramref name="url"/>, applying the accept policy against
    /// <paramref name="mainDocumentUrl"/>. A cookie whose domain <paramref name="url"/>'s host does not match is
    /// dropped. When <paramref name="url"/> is not https (RFC 6265bis "Strict Secure"), a <c>Secure</c> cookie is
    /// dropped, and so is any cookie that would replace, delete or shadow a stored <c>Secure</c> cookie: one of the
    /// same name whose domain matches the stored one's (either way) and whose path lies within the stored one's.
    /// </summary>
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
            && !IsFromMainDocumentDomain(url, mainDocumentUrl))
            return;
        string host = url.IdnHost.ToLowerInvariant();
        bool secureOrigin = url.Scheme == Uri.UriSchemeHttps;
        Change(() =>
        {
            foreach (var cookie in cookies)
            {
                if (HttpCookie.DomainMatches(host, cookie.Domain) && (secureOrigin || !InsecureOriginMayNotSet(cookie)))
                    Store(cookie);
            }
        });
    }

    /// <summary>
    /// Stores cookies received for a task (Apple's <c>storeCookies(_:for:)</c>): as
    /// <see cref="SetCookies(IEnumerable{HttpCookie}, Uri, Uri?)"/> with the URL and main document URL of the task's
    /// current request.
    /// </summary>
    /// <param name="cookies">The cookies.</param>
    /// <param name="task">The task whose response set them.</param>
    public void StoreCookies(IEnumerable<HttpCookie> cookies, UrlSessionTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        SetCookies(cookies, task.CurrentRequest.Url, task.CurrentRequest.MainDocumentUrl);
    }

    /// <summary>
    /// The cookies to send with a task's current request (Apple's <c>getCookiesFor(_:)</c>): as
    /// <see cref="CookiesFor(Uri)"/> with its URL.
    /// </summary>
    /// <param name="task">The task.</param>
    /// <returns>The matching cookies, longest path first.</returns>
    public IReadOnlyList<HttpCookie> CookiesFor(UrlSessionTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return CookiesFor(task.CurrentRequest.Url);
    }

    /// <summary>Deletes one cookie.</summary>
    /// <param name="cookie">The cookie to delete (matched by domain, path and name).</param>
    public void DeleteCookie(HttpCookie cookie)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        Change(() => Remove((cookie.Domain, cookie.Path, cookie.Name)));
    }

    /// <summary>Deletes every cookie created at or after <paramref name="date"/>.</summary>
    /// <param name="date">The cut-off time.</param>
    public void RemoveCookies(DateTimeOffset date) =>
        Change(() =>
        {
            foreach (var (key, entry) in new List<KeyValuePair<(string, string, string), Entry>>(_cookies))
            {
                if (entry.Cookie.CreatedAt >= date)
                    Remove(key);
            }
        });

    /// <summary>
    /// The unexpired cookies to send to <paramref name="url"/>, longest path first (RFC 6265 section 5.4). Each
    /// counts as sent for eviction: the least recently sent are evicted first.
    /// </summary>
    /// <param name="url">The request URL.</param>
    /// <returns>The matching cookies.</returns>
    public IReadOnlyList<HttpCookie> CookiesFor(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        List<HttpCookie>? matches = null;
        lock (_gate)
        {
            PurgeExpired(_time.GetUtcNow());
            long access = ++_lastAccess;
            foreach (var entry in _cookies.Values)
            {
                if (entry.Cookie.Matches(url))
                {
                    entry.LastAccess = access;
                    (matches ??= []).Add(entry.Cookie);
                }
            }
        }
        // Most requests carry no cookie: no list for them.
        if (matches is null)
            return [];
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
            // A nameless cookie goes as its bare value (RFC 6265bis §5.8.3).
            if (cookie.Name.Length > 0)
                header.Append(cookie.Name).Append('=');
            header.Append(cookie.Value);
        }
        return header.ToString();
    }

    internal void Clear() =>
        Change(() =>
        {
            foreach (var entry in new List<Entry>(_cookies.Values))
                RemoveEntry(entry);
        });

    /// <summary>
    /// Runs <paramref name="change"/> under the lock, then, when it stored or removed anything, saves the cookies with
    /// an expiry (if they changed and this storage has a file) and raises <see cref="CookiesChanged"/>.
    /// </summary>
    private void Change(Action change)
    {
        long changes, persistentChanges;
        lock (_gate)
        {
            (changes, persistentChanges) = (_changes, _persistentChanges);
            change();
            (changes, persistentChanges) = (_changes - changes, _persistentChanges - persistentChanges);
        }
        if (changes == 0)
            return;
        if (persistentChanges > 0)
            Save();
        CookiesChanged?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Writes the cookies with an expiry when this storage has a file; never fails the caller.</summary>
    private void Save()
    {
        if (_file is null)
            return;
        // One writer at a time, each writing what the storage holds when its turn comes: the last write is the newest state.
        lock (_fileGate)
        {
            try
            {
                _file.Save(Cookies);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Kept for this process; the next successful save writes them all.
            }
        }
    }

    /// <summary>The group a cookie counts against: its registrable domain (public suffix plus one label), or the IP address or suffix itself.</summary>
    private static string SiteOf(string domain)
    {
        if (IPAddress.TryParse(domain.Trim('[', ']'), out _))
            return domain;
        string suffix = PublicSuffixes.PublicSuffixOf(domain);
        if (suffix.Length >= domain.Length)
            return domain;
        int beforeSuffix = domain.Length - suffix.Length - 1;
        int dot = beforeSuffix > 0 ? domain.LastIndexOf('.', beforeSuffix - 1) : -1;
        return domain[(dot + 1)..];
    }

    /// <summary>
    /// RFC 6265bis §5.7: an insecure origin may not set a <c>Secure</c> cookie, nor one that would overwrite a stored
    /// <c>Secure</c> cookie: same name, domains matching either way, the new path within the stored one's.
    /// </summary>
    private bool InsecureOriginMayNotSet(HttpCookie cookie)
    {
        if (cookie.IsSecure)
            return true;
        if (!_sites.TryGetValue(SiteOf(cookie.Domain), out var site))
            return false;
        foreach (var entry in site)
        {
            var stored = entry.Cookie;
            if (stored.IsSecure && stored.Name == cookie.Name
                && (HttpCookie.DomainMatches(stored.Domain, cookie.Domain) || HttpCookie.DomainMatches(cookie.Domain, stored.Domain))
                && HttpCookie.PathMatches(cookie.Path, stored.Path))
                return true;
        }
        return false;
    }

    private void Store(HttpCookie cookie)
    {
        var key = (cookie.Domain, cookie.Path, cookie.Name);
        var now = _time.GetUtcNow();
        Remove(key);
        if (cookie.IsExpired(now))
            return;
        var entry = new Entry(cookie, SiteOf(cookie.Domain), ++_lastAccess);
        _cookies[key] = entry;
        Count(cookie);
        if (!_sites.TryGetValue(entry.Site, out var site))
            _sites[entry.Site] = site = [];
        site.Add(entry);
        if (site.Count > MaximumCookiesPerSite)
            Evict(site, MaximumCookiesPerSite, CookiesPerSiteAfterEviction, now);
        if (_cookies.Count > MaximumCookies)
            Evict(_cookies.Values, MaximumCookies, CookiesAfterEviction, now);
    }

    /// <summary>
    /// Chromium's eviction: the expired cookies of <paramref name="group"/> go first; if more than
    /// <paramref name="limit"/> remain, the least recently sent go, non-Secure before Secure (so an insecure origin's
    /// flood cannot push out a Secure cookie), until <paramref name="keep"/> remain.
    /// </summary>
    private void Evict(IEnumerable<Entry> group, int limit, int keep, DateTimeOffset now)
    {
        var live = new List<Entry>();
        foreach (var entry in new List<Entry>(group))
        {
            if (entry.Cookie.IsExpired(now))
                RemoveEntry(entry);
            else
                live.Add(entry);
        }
        if (live.Count <= limit)
            return;
        live.Sort(static (a, b) => a.Cookie.IsSecure != b.Cookie.IsSecure ? (a.Cookie.IsSecure ? 1 : -1) : a.LastAccess.CompareTo(b.LastAccess));
        for (int i = 0; i < live.Count - keep; i++)
            RemoveEntry(live[i]);
    }

    private void Remove((string Domain, string Path, string Name) key)
    {
        if (_cookies.TryGetValue(key, out var entry))
            RemoveEntry(entry);
    }

    private void RemoveEntry(Entry entry)
    {
        var cookie = entry.Cookie;
        _cookies.Remove((cookie.Domain, cookie.Path, cookie.Name));
        if (_sites.TryGetValue(entry.Site, out var site) && site.Remove(entry) && site.Count == 0)
            _sites.Remove(entry.Site);
        Count(cookie);
    }

    private void Count(HttpCookie cookie)
    {
        _changes++;
        if (!cookie.IsSessionOnly)
            _persistentChanges++;
    }

    private void PurgeExpired(DateTimeOffset now)
    {
        List<Entry>? expired = null;
        foreach (var entry in _cookies.Values)
        {
            if (entry.Cookie.IsExpired(now))
                (expired ??= []).Add(entry);
        }
        if (expired is null)
            return;
        foreach (var entry in expired)
            RemoveEntry(entry);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;

namespace UrlLoading;

/// <summary>
/// An HTTP cookie (Apple's <c>HTTPCookie</c>), as parsed from <c>Set-Cookie</c> by RFC 6265bis rules. Its name and
/// value are always sendable in a <c>Cookie</c> request header: printable ASCII or tab, no <c>;</c> (nor <c>=</c> in
/// the name), at most 4096 characters together. A <c>Set-Cookie</c> pair without <c>=</c> (<c>Set-Cookie: foo</c>) is
/// kept, as RFC 6265bis and every major browser do, as a cookie with an empty <see cref="Name"/> and the value
/// <c>foo</c>, sent back as <c>Cookie: foo</c>.
/// </summary>
public sealed record HttpCookie
{
    /// <summary>The longest a cookie's name and value may be together, in characters (bytes, as both are ASCII): RFC 6265bis's limit.</summary>
    internal const int MaximumNameAndValueLength = 4096;

    private const int MaximumAttributeValueLength = 1024;

    /// <summary>RFC 6265bis §5.6.1–2: an <c>Expires</c> or <c>Max-Age</c> further away is cut to 400 days.</summary>
    private const int MaximumLifetimeDays = 400;
    private readonly string _value = "";

    /// <summary>Creates a cookie.</summary>
    /// <param name="name">The cookie name; empty for a nameless cookie, which is sent as its value alone.</param>
    /// <param name="value">The cookie value.</param>
    /// <param name="domain">The domain (lower case, no leading dot).</param>
    /// <param name="path">The path; <c>/</c> when empty.</param>
    /// <exception cref="ArgumentException">Name and value are both empty; the name contains <c>=</c>; the name or
    /// value contains a character that cannot be sent in a <c>Cookie</c> header (anything but printable ASCII and tab, or <c>;</c>);
    /// together they are longer than 4096 characters; or the domain is empty.</exception>
    public HttpCookie(string name, string value, string domain, string path = "/")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Length == 0 && value.Length == 0)
            throw new ArgumentException("A cookie needs a name or a value (a nameless cookie is sent as its value alone).",
                nameof(name));
        if (string.IsNullOrEmpty(domain))
            throw new ArgumentException("A cookie needs a domain.", nameof(domain));
        if (!IsSendableText(name) || name.Contains('=', StringComparison.Ordinal))
            throw new ArgumentException($"The cookie name '{name}' cannot be sent in a Cookie header: use printable ASCII without ';' or '=' (percent-encode anything else).", nameof(name));
        Name = name;
        Value = value;
        Domain = domain.TrimStart('.').ToLowerInvariant();
        Path = string.IsNullOrEmpty(path) || path[0] != '/' ? "/" : path;
    }

    /// <summary>The cookie's name; empty for a nameless cookie (<c>Set-Cookie: foo</c>).</summary>
    public string Name { get; }

    /// <summary>The cookie's value.</summary>
    /// <exception cref="ArgumentException">The value contains a character that cannot be sent in a <c>Cookie</c>
    /// header (anything but printable ASCII and tab, or <c>;</c>), or makes name and value together longer than
    /// 4096 characters.</exception>
    public string Value
    {
        get => _value;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Value));
            if (!IsSendableText(value))
                throw new ArgumentException($"The value of cookie '{Name}' cannot be sent in a Cookie header: use printable ASCII without ';' (percent-encode anything else).", nameof(Value));
            if (Name.Length + value.Length > MaximumNameAndValueLength)
                throw new ArgumentException($"Cookie '{Name}' has {Name.Length + value.Length} characters of name and value; at most {MaximumNameAndValueLength} are allowed.", nameof(Value));
            _value = value;
        }
    }

    /// <summary>The domain the cookie belongs to, lower case, without a leading dot.</summary>
    public string Domain { get; }

    /// <summary>The path the cookie is sent for.</summary>
    public string Path { get; }

    /// <summary>True when the cookie is sent only to exactly <see cref="Domain"/>, not its subdomains (no <c>Domain</c> attribute was given).</summary>
    public bool IsHostOnly { get; init; }

    /// <summary>When the cookie expires; null for a session cookie.</summary>
    public DateTimeOffset? ExpiresDate { get; init; }

    /// <summary>True for a session cookie: no expiry, discarded when the storage is reset.</summary>
    public bool IsSessionOnly => ExpiresDate is null;

    /// <summary>True when the cookie is sent only over secure connections.</summary>
    public bool IsSecure { get; init; }

    /// <summary>True when the cookie is not meant for scripts.</summary>
    public bool IsHttpOnly { get; init; }

    /// <summary>The <c>SameSite</c> attribute (<c>Strict</c>, <c>Lax</c>, <c>None</c>), or null.</summary>
    public string? SameSitePolicy { get; init; }

    /// <summary>When the cookie was created or last replaced.</summary>
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// Parses the <c>Set-Cookie</c> header lines of a response from <paramref name="url"/>. Invalid cookies are
    /// dropped: neither name nor value, a nameless one whose value starts with a name prefix, a domain that is not
    /// the host's or is a public suffix, an unmet <c>__Secure-</c> or <c>__Host-</c> prefix, a name or value that cannot be sent back (control characters, non-ASCII bytes), or a
    /// name and value longer than 4096 characters together. An attribute value longer than 1024 characters is ignored.
    /// </summary>
    /// <param name="setCookieHeaders">The <c>Set-Cookie</c> header values, one per header line.</param>
    /// <param name="url">The URL of the response.</param>
    /// <returns>The valid cookies.</returns>
    public static IReadOnlyList<HttpCookie> Parse(IEnumerable<string> setCookieHeaders, Uri url)
    {
        ArgumentNullException.ThrowIfNull(setCookieHeaders);
        ArgumentNullException.ThrowIfNull(url);
        var now = DateTimeOffset.UtcNow;
        var cookies = new List<HttpCookie>();
        foreach (var line in setCookieHeaders)
        {
            if (TryParse(line, url, now) is { } cookie)
                cookies.Add(cookie);
        }
        return cookies;
    }

    /// <summary>
    /// Parses the cookies of a response's header fields (Apple's <c>cookies(withResponseHeaderFields:for:)</c>), where
    /// repeated <c>Set-Cookie</c> lines arrive folded into one value joined with <c>", "</c>, as in
    /// <see cref="HttpUrlResponse.Headers"/>: <c>"a=1; Path=/, b=2; Path=/"</c> gives two cookies. A comma starts a
    /// new cookie only when a <c>name=</c> follows it, so the comma of an <c>Expires</c> date
    /// (<c>Expires=Wed, 01 Jan 2070 00:00:00 GMT</c>) stays in its cookie. The same rules as
    /// <see cref="Parse(IEnumerable{string}, Uri)"/> drop invalid cookies.
    /// </summary>
    /// <param name="responseHeaderFields">The response's header fields; the name <c>Set-Cookie</c> in any case.</param>
    /// <param name="url">The URL of the response.</param>
    /// <returns>The valid cookies.</returns>
    public static IReadOnlyList<HttpCookie> Cookies(IReadOnlyDictionary<string, string> responseHeaderFields, Uri url)
    {
        ArgumentNullException.ThrowIfNull(responseHeaderFields);
        ArgumentNullException.ThrowIfNull(url);
        var lines = new List<string>();
        foreach (var (name, value) in responseHeaderFields)
        {
            if (name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
                lines.AddRange(Unfold(value));
        }
        return Parse(lines, url);
    }

    /// <summary>The <c>Set-Cookie</c> lines folded into <paramref name="value"/>: split at each comma that a <c>name=</c> follows.</summary>
    internal static List<string> Unfold(string value)
    {
        var lines = new List<string>();
        int start = 0;
        for (int comma = value.IndexOf(',', start); comma >= 0; comma = value.IndexOf(',', comma + 1))
        {
            if (!StartsCookie(value.AsSpan(comma + 1)))
                continue;
            lines.Add(value[start..comma].Trim());
            start = comma + 1;
        }
        lines.Add(value[start..].Trim());
        lines.RemoveAll(static line => line.Length == 0);
        return lines;
    }

    /// <summary>Whether the text after a comma opens a cookie: a token (no space inside) and <c>=</c> before any <c>;</c> or <c>,</c>.</summary>
    private static bool StartsCookie(ReadOnlySpan<char> rest)
    {
        int end = rest.IndexOfAny(';', ',');
        var pair = (end < 0 ? rest : rest[..end]).TrimStart();
        int eq = pair.IndexOf('=');
        if (eq <= 0)
            return false;
        var name = pair[..eq].TrimEnd();
        return name.Length > 0 && !name.ContainsAny(' ', '\t');
    }

    /// <summary>True when the cookie's expiry has passed.</summary>
    /// <param name="now">The current time.</param>
    /// <returns>Whether the cookie has expired.</returns>
    public bool IsExpired(DateTimeOffset now) => ExpiresDate is { } e && e <= now;

    /// <summary>True when this cookie should be sent with a request to <paramref name="url"/> (domain, path and secure rules of RFC 6265 section 5.4).</summary>
    /// <param name="url">The request URL.</param>
    /// <returns>Whether the cookie matches.</returns>
    public bool Matches(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        string host = url.IdnHost.ToLowerInvariant();
        bool domainOk = IsHostOnly ? host == Domain : DomainMatches(host, Domain);
        if (!domainOk || !PathMatches(url.AbsolutePath, Path))
            return false;
        return !IsSecure || url.Scheme == Uri.UriSchemeHttps;
    }

    internal static bool DomainMatches(string host, string domain) =>
        host == domain
        || (host.EndsWith(domain, StringComparison.Ordinal) && host[^(domain.Length + 1)] == '.' && !IsIpAddress(host));

    internal static bool PathMatches(string requestPath, string cookiePath)
    {
        if (requestPath.Length == 0)
            requestPath = "/";
        if (requestPath == cookiePath)
            return true;
        return requestPath.StartsWith(cookiePath, StringComparison.Ordinal)
            && (cookiePath.EndsWith('/') || requestPath[cookiePath.Length] == '/');
    }

    private static HttpCookie? TryParse(string line, Uri url, DateTimeOffset now)
    {
        var parts = line.Split(';');
        // RFC 6265bis §5.6: without '=' the whole pair is the value of a nameless cookie, sent back as that value.
        int eq = parts[0].IndexOf('=');
        string name = eq < 0 ? "" : parts[0][..eq].Trim();
        string value = parts[0][(eq + 1)..].Trim();
        // RFC 6265bis drops cookies with control characters or an oversized name and value; non-ASCII bytes are
        // refused too, since a request header cannot carry them back and would fail every later request to the host.
        if ((name.Length == 0 && value.Length == 0) || name.Length + value.Length > MaximumNameAndValueLength
            || !IsSendableText(name) || !IsSendableText(value))
            return null;
        // A nameless cookie is sent as its bare value: one that reads as a prefixed name would dodge the prefix rules.
        if (name.Length == 0 && (value.StartsWith("__Secure-", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("__Host-", StringComparison.OrdinalIgnoreCase)))
            return null;
        string host = url.IdnHost.ToLowerInvariant();
        string? domain = null, path = null, sameSite = null;
        DateTimeOffset? expires = null, maxAgeExpiry = null;
        bool secure = false, httpOnly = false;
        for (int i = 1; i < parts.Length; i++)
        {
            string attr = parts[i].Trim();
            int aeq = attr.IndexOf('=');
            string key = (aeq < 0 ? attr : attr[..aeq]).Trim();
            string val = aeq < 0 ? "" : attr[(aeq + 1)..].Trim();
            if (val.Length > MaximumAttributeValueLength)
                continue;
            switch (key.ToLowerInvariant())
            {
                case "domain" when val.Length > 0:
                    // §5.2.3 strips one leading dot: "..example.org" keeps one, matches no host and drops the cookie.
                    // "Domain=." is empty once stripped, as if there were no attribute (§5.3 step 4: host-only).
                    string stripped = val[0] == '.' ? val[1..] : val;
                    if (stripped.Length == 0)
                    {
                        domain = null;
                        break;
                    }
                    // Compared in the host's ASCII (punycode) form; a name that cannot be converted drops the cookie.
                    if (AsciiDomain(stripped) is not { } ascii)
                        return null;
                    domain = ascii;
                    break;
                case "path":
                    path = val.StartsWith('/') ? val : null;
                    break;
                case "expires" when CookieDate.TryParse(val, out var date):
                    expires = date < now.AddDays(MaximumLifetimeDays) ? date : now.AddDays(MaximumLifetimeDays);
                    break;
                case "max-age" when MaxAgeSeconds(val) is { } seconds:
                    maxAgeExpiry = seconds <= 0 ? DateTimeOffset.MinValue : now.AddSeconds(Math.Min(seconds, MaximumLifetimeDays * 24L * 3600));
                    break;
                case "secure":
                    secure = true;
                    break;
                case "httponly":
                    httpOnly = true;
                    break;
                case "samesite":
                    sameSite = val;
                    break;
            }
        }
        bool hostOnly = domain is null;
        if (domain is not null && !DomainMatches(host, domain))
            return null;
        // A domain attribute naming a public suffix ("com", "co.uk", "github.io") would let one site set cookies for
        // every other site under it (RFC 6265 §5.3 step 5): refused unless it is the host itself.
        if (domain is not null && domain != host && PublicSuffixes.IsPublicSuffix(domain))
            return null;
        // RFC 6265bis prefixes: __Secure- needs Secure from a secure origin; __Host- also no Domain and Path=/.
        if (name.StartsWith("__Secure-", StringComparison.Ordinal) && (!secure || url.Scheme != Uri.UriSchemeHttps))
            return null;
        if (name.StartsWith("__Host-", StringComparison.Ordinal) && (!secure || url.Scheme != Uri.UriSchemeHttps || domain is not null || path != "/"))
            return null;
        return new HttpCookie(name, value, domain ?? host, path ?? DefaultPath(url.AbsolutePath))
        {
            IsHostOnly = hostOnly,
            ExpiresDate = maxAgeExpiry ?? expires,
            IsSecure = secure,
            IsHttpOnly = httpOnly,
            SameSitePolicy = sameSite,
            CreatedAt = now,
        };
    }

    /// <summary>True when every character can travel in a <c>Cookie</c> header: printable ASCII or tab, and no <c>;</c>, which separates cookies there.</summary>
    private static bool IsSendableText(string text)
    {
        foreach (char c in text)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')) || c == ';')
                return false;
        }
        return true;
    }

    /// <summary>
    /// RFC 6265 §5.2.2: a <c>Max-Age</c> of an optional <c>-</c> and digits, else ignored (<c>+5</c>, <c>5s</c>); one
    /// too large for a number is as large as can be, not ignored.
    /// </summary>
    private static long? MaxAgeSeconds(string value)
    {
        var digits = value.StartsWith('-') ? value.AsSpan(1) : value.AsSpan();
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
            return null;
        if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
            return value.StartsWith('-') ? -seconds : seconds;
        return value.StartsWith('-') ? long.MinValue : long.MaxValue;
    }

    private static string DefaultPath(string requestPath)
    {
        int slash = requestPath.LastIndexOf('/');
        return slash <= 0 ? "/" : requestPath[..slash];
    }

    /// <summary>A domain in the lower-case ASCII (punycode) form hosts are compared in; null when it is not a valid name.</summary>
    internal static string? AsciiDomain(string domain)
    {
        if (System.Text.Ascii.IsValid(domain))
            return domain.ToLowerInvariant();
        try
        {
            return new IdnMapping().GetAscii(domain).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool IsIpAddress(string host) => System.Net.IPAddress.TryParse(host.Trim('[', ']'), out _);
}

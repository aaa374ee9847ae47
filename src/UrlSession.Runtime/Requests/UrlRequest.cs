using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;

namespace UrlLoading;

/// <summary>
/// A URL load request: Apple's <c>URLRequest</c>. Immutable; use a <c>with</c> expression or
/// <see cref="WithHeader"/> where Apple code would use <c>NSMutableURLRequest</c>.
/// </summary>
public sealed record UrlRequest
{
    private readonly Uri _url = null!;
    private readonly string _httpMethod = "GET";
    private readonly ImmutableDictionary<string, string> _headers = HeaderFields.Empty;
    private readonly TimeSpan? _timeoutInterval;

    /// <summary>Creates a GET request for an absolute URL.</summary>
    /// <param name="url">The absolute URL to load.</param>
    public UrlRequest(Uri url) => Url = url;

    /// <summary>Creates a GET request for an absolute URL given as a string.</summary>
    /// <param name="url">The absolute URL to load.</param>
    public UrlRequest(string url) : this(ParseUrl(url)) { }

    /// <summary>The URL to load. Must be absolute.</summary>
    public Uri Url
    {
        get => _url;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Url));
            if (!value.IsAbsoluteUri)
                throw new ArgumentException($"{nameof(UrlRequest)}.{nameof(Url)} must be an absolute URL such as 'https://example.com/path', not '{value}'.", nameof(Url));
            _url = value;
        }
    }

    /// <summary>The HTTP method, <c>GET</c> by default.</summary>
    public string HttpMethod
    {
        get => _httpMethod;
        init
        {
            if (string.IsNullOrWhiteSpace(value))
                throw new ArgumentException($"{nameof(UrlRequest)}.{nameof(HttpMethod)} cannot be empty; use \"GET\", \"POST\", ...", nameof(HttpMethod));
            HeaderFields.ValidateName(value);
            _httpMethod = value;
        }
    }

    /// <summary>
    /// The request's header fields; names compare case-insensitively. They win over the configuration's additional
    /// headers. <c>Authorization</c>, <c>Proxy-Authorization</c> and <c>Cookie</c> are removed when a redirect leads to
    /// another origin (scheme, host or port); the session's cookie storage decides what the new origin gets.
    /// </summary>
    public IReadOnlyDictionary<string, string> Headers
    {
        get => _headers;
        init => _headers = HeaderFields.From(value);
    }

    /// <summary>The request body as bytes, or null.</summary>
    public ReadOnlyMemory<byte>? HttpBody { get; init; }

    /// <summary>A provider of the request body as a stream, called each time the body must be sent (first send, redirect, authentication retry).</summary>
    public Func<Stream>? HttpBodyStream { get; init; }

    /// <summary>The idle timeout for this request; null uses the configuration's <see cref="UrlSessionConfiguration.TimeoutIntervalForRequest"/>.</summary>
    public TimeSpan? TimeoutInterval
    {
        get => _timeoutInterval;
        init
        {
            if (value is { } t && t <= TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(TimeoutInterval), t, $"{nameof(UrlRequest)}.{nameof(TimeoutInterval)} must be positive, or null for the session's default.");
            _timeoutInterval = value;
        }
    }

    /// <summary>How this request uses the cache.</summary>
    public RequestCachePolicy CachePolicy { get; init; } = RequestCachePolicy.UseProtocolCachePolicy;

    /// <summary>Whether the session's cookies are sent with and stored from this request. True by default.</summary>
    public bool HttpShouldHandleCookies { get; init; } = true;

    /// <summary>The URL of the main document, used by <see cref="HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain"/>.</summary>
    public Uri? MainDocumentUrl { get; init; }

    /// <summary>Whether the request may use a cellular interface. Stored and carried to the transport.</summary>
    public bool AllowsCellularAccess { get; init; } = true;

    /// <summary>Returns a copy of this request with one header set (replacing any value under the same name in any case).</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The header value.</param>
    /// <returns>The new request.</returns>
    public UrlRequest WithHeader(string name, string value)
    {
        HeaderFields.ValidateName(name);
        ArgumentNullException.ThrowIfNull(value);
        return this with { Headers = _headers.Remove(name).Add(name, value) };
    }

    /// <summary>Returns a copy of this request without the named header.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The new request.</returns>
    public UrlRequest WithoutHeader(string name) => this with { Headers = _headers.Remove(name) };

    private static Uri ParseUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        // On Unix "/path" parses as a file URI; a request URL must name its scheme.
        if (url.StartsWith('/') || !Uri.TryCreate(url, UriKind.Absolute, out var parsed))
            throw new ArgumentException($"'{url}' is not an absolute URL; write it as 'https://host/path'.", nameof(url));
        return parsed;
    }
}

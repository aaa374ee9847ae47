using System;
using System.Collections.Generic;

namespace UrlLoading;

/// <summary>
/// The proxies a session uses (Apple's <c>connectionProxyDictionary</c>): one for <c>http</c> URLs, one for
/// <c>https</c> URLs, and hosts that bypass both.
/// </summary>
public sealed record UrlProxyConfiguration
{
    private readonly Uri? _httpProxy;
    private readonly Uri? _httpsProxy;
    private readonly IReadOnlyList<string> _exceptions = [];

    /// <summary>The proxy for <c>http</c> URLs, as <c>http://host:port</c>, or null for a direct connection.</summary>
    public Uri? HttpProxy { get => _httpProxy; init => _httpProxy = Validate(value, nameof(HttpProxy)); }

    /// <summary>The proxy for <c>https</c> URLs (tunnelled with CONNECT), or null for a direct connection.</summary>
    public Uri? HttpsProxy { get => _httpsProxy; init => _httpsProxy = Validate(value, nameof(HttpsProxy)); }

    /// <summary>Host names that bypass the proxies: exact names, or <c>*.example.com</c> for every subdomain.</summary>
    public IReadOnlyList<string> Exceptions
    {
        get => _exceptions;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Exceptions));
            foreach (var host in value)
            {
                if (string.IsNullOrWhiteSpace(host))
                    throw new ArgumentException($"{nameof(UrlProxyConfiguration)}.{nameof(Exceptions)} cannot contain an empty host name.", nameof(Exceptions));
            }
            _exceptions = [.. value];
        }
    }

    /// <summary>True when requests to <paramref name="host"/> bypass the proxies.</summary>
    /// <param name="host">The destination host.</param>
    /// <returns>Whether the host is an exception.</returns>
    public bool Bypasses(string host)
    {
        foreach (var pattern in _exceptions)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
                : string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    private static Uri? Validate(Uri? proxy, string property)
    {
        if (proxy is null)
            return null;
        if (!proxy.IsAbsoluteUri || (proxy.Scheme != Uri.UriSchemeHttp && proxy.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"{nameof(UrlProxyConfiguration)}.{property} must be an absolute http:// or https:// URL such as 'http://proxy.local:3128', not '{proxy}'.", property);
        return proxy;
    }
}

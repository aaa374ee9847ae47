using System;
using System.Collections.Generic;

namespace UrlLoading;

/// <summary>A stored response with what RFC 9111 needs to judge it: when it was requested and received, and the request's values of the headers its <c>Vary</c> names.</summary>
internal sealed record CacheEntry(CachedUrlResponse Cached, DateTimeOffset RequestTime, DateTimeOffset ResponseTime, IReadOnlyDictionary<string, string?> VaryValues)
{
    public HttpUrlResponse Response => (HttpUrlResponse)Cached.Response;

    public long Size => Cached.Data.Length + 512;
}

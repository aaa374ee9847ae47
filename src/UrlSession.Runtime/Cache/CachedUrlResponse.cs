using System;

namespace UrlLoading;

/// <summary>A response and its body as the cache keeps them (Apple's <c>CachedURLResponse</c>).</summary>
/// <param name="Response">The response.</param>
/// <param name="Data">The body bytes.</param>
/// <param name="StoragePolicy">Where the entry may be kept.</param>
public sealed record CachedUrlResponse(UrlResponse Response, ReadOnlyMemory<byte> Data, UrlCacheStoragePolicy StoragePolicy = UrlCacheStoragePolicy.Allowed);

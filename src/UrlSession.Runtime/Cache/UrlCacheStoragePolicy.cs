namespace UrlLoading;

/// <summary>Where a cached response may be kept (Apple's <c>URLCache.StoragePolicy</c>).</summary>
public enum UrlCacheStoragePolicy
{
    /// <summary>In memory and on disk.</summary>
    Allowed = 0,
    /// <summary>In memory only.</summary>
    AllowedInMemoryOnly = 1,
    /// <summary>Not cached.</summary>
    NotAllowed = 2,
}

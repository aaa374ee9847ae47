namespace UrlLoading;

/// <summary>How a request uses the session's <see cref="UrlCache"/> (Apple's <c>NSURLRequest.CachePolicy</c>).</summary>
public enum RequestCachePolicy
{
    /// <summary>Follow the HTTP caching rules of the response (RFC 9111).</summary>
    UseProtocolCachePolicy = 0,
    /// <summary>Load from the network, ignoring any cached data.</summary>
    ReloadIgnoringLocalCacheData = 1,
    /// <summary>Ignore local and intermediate caches.</summary>
    ReloadIgnoringLocalAndRemoteCacheData = 4,
    /// <summary>Use cached data whatever its age; load from the network only when nothing is cached.</summary>
    ReturnCacheDataElseLoad = 2,
    /// <summary>Use cached data whatever its age; fail with <see cref="UrlErrorCode.CannotLoadFromNetwork"/> when nothing is cached.</summary>
    ReturnCacheDataDoNotLoad = 3,
    /// <summary>Use cached data only after the origin server confirmed it is still valid.</summary>
    ReloadRevalidatingCacheData = 5,
}

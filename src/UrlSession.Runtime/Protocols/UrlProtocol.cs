namespace UrlLoading;

/// <summary>
/// Base class for protocol handlers a configuration lists in <see cref="UrlSessionConfiguration.ProtocolClasses"/>
/// (Apple's <c>URLProtocol</c>): custom schemes, or stubs in tests. Not consulted yet: sessions load every request
/// with their built-in HTTP handler. Handlers are instances rather than classes so that no reflection is needed to
/// create them (trimming and NativeAOT safe).
/// </summary>
public abstract class UrlProtocol
{
    /// <summary>Whether this protocol loads the request.</summary>
    /// <param name="request">The request.</param>
    /// <returns>True when this protocol loads the request.</returns>
    public abstract bool CanInit(UrlRequest request);
}

namespace UrlLoading;

/// <summary>TLS protocol versions for <see cref="UrlSessionConfiguration.TlsMinimumSupportedProtocolVersion"/> and its maximum.</summary>
public enum TlsProtocolVersion
{
    /// <summary>TLS 1.0 (deprecated; most servers and operating systems refuse it).</summary>
    Tls10 = 10,
    /// <summary>TLS 1.1 (deprecated).</summary>
    Tls11 = 11,
    /// <summary>TLS 1.2.</summary>
    Tls12 = 12,
    /// <summary>TLS 1.3.</summary>
    Tls13 = 13,
}

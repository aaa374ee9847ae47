using System;

namespace UrlLoading;

/// <summary>A server or realm that requires authentication (Apple's <c>URLProtectionSpace</c>).</summary>
/// <param name="Host">The host, lower case.</param>
/// <param name="Port">The port.</param>
/// <param name="Protocol">The scheme: <c>http</c> or <c>https</c>.</param>
/// <param name="Realm">The realm the server named, or null.</param>
/// <param name="AuthenticationMethod">One of the <c>AuthenticationMethod*</c> constants.</param>
public sealed record UrlProtectionSpace(string Host, int Port, string Protocol, string? Realm, string AuthenticationMethod)
{
    /// <summary>HTTP Basic authentication.</summary>
    public const string AuthenticationMethodHttpBasic = "NSURLAuthenticationMethodHTTPBasic";
    /// <summary>HTTP Digest authentication.</summary>
    public const string AuthenticationMethodHttpDigest = "NSURLAuthenticationMethodHTTPDigest";
    /// <summary>NTLM authentication.</summary>
    public const string AuthenticationMethodNtlm = "NSURLAuthenticationMethodNTLM";
    /// <summary>Negotiate (Kerberos or NTLM) authentication.</summary>
    public const string AuthenticationMethodNegotiate = "NSURLAuthenticationMethodNegotiate";
    /// <summary>Server trust evaluation (a connection-level challenge).</summary>
    public const string AuthenticationMethodServerTrust = "NSURLAuthenticationMethodServerTrust";
    /// <summary>Client certificate request (a connection-level challenge).</summary>
    public const string AuthenticationMethodClientCertificate = "NSURLAuthenticationMethodClientCertificate";
    /// <summary>The method of a server that names no method this library knows.</summary>
    public const string AuthenticationMethodDefault = "NSURLAuthenticationMethodDefault";

    /// <summary>True when the credential would be sent over an encrypted connection.</summary>
    public bool ReceivesCredentialSecurely => Protocol == Uri.UriSchemeHttps
        || AuthenticationMethod is AuthenticationMethodHttpDigest or AuthenticationMethodNtlm or AuthenticationMethodNegotiate;

    /// <summary>True for a proxy's protection space (407).</summary>
    public bool IsProxy { get; init; }

    /// <summary>For <see cref="AuthenticationMethodClientCertificate"/>: the certificate authorities the server accepts (may be empty).</summary>
    public System.Collections.Generic.IReadOnlyList<string> DistinguishedNames { get; init; } = [];

    /// <summary>For <see cref="AuthenticationMethodServerTrust"/>: the server's certificate chain and the platform's verdict.</summary>
    public ServerTrust? ServerTrust { get; init; }
}

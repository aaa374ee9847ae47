using System;
using System.Net;
using System.Net.Http;
using System.Security.Authentication;

namespace UrlLoading.Transfer;

/// <summary>
/// The <see cref="SocketsHttpHandler"/> of a session (DESIGN section 4): no automatic redirects or cookies (the stages do
/// them), the configuration's connection limit, TLS range and proxy, and the session's TLS callbacks.
/// </summary>
internal static class SessionHandlerFactory
{
    /// <summary>
    /// A connection pool with the configuration's settings and this session's TLS callbacks; for a
    /// <paramref name="handshake"/>, one whose handler also holds that NTLM/Negotiate credential for that space only
    /// (the server's origin, or the proxy), so the handshake stays on one connection and goes nowhere else.
    /// </summary>
    public static HttpMessageInvoker CreateInvoker(UrlSessionConfiguration configuration, ServerTrustEvaluator trust, Handshake? handshake)
    {
        var handler = CreateHandler(configuration);
        handler.SslOptions.RemoteCertificateValidationCallback = trust.TrustServer;
        handler.SslOptions.LocalCertificateSelectionCallback = trust.SelectClientCertificate;
        if (handshake is var (space, credential))
        {
            var origin = new UriBuilder(space.Protocol, space.Host, space.Port).Uri;
            var credentials = new CredentialCache();
            string[] schemes = space.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodDefault
                ? ["Basic", "Digest", WindowsAuthentication.Ntlm, WindowsAuthentication.Negotiate]
                : [WindowsAuthentication.SchemeOf(space)];
            foreach (string scheme in schemes)
                credentials.Add(origin, scheme, WindowsAuthentication.NetworkCredentialOf(credential));
            handler.PreAuthenticate = false;
            if (!space.IsProxy)
                handler.Credentials = credentials;
            else if (handler.Proxy is { } proxy)
                proxy.Credentials = credentials;
        }
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static SocketsHttpHandler CreateHandler(UrlSessionConfiguration configuration)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            MaxConnectionsPerServer = configuration.HttpMaximumConnectionsPerHost,
            ConnectTimeout = configuration.TimeoutIntervalForRequest,
            UseProxy = configuration.ConnectionProxy is not null,
            Proxy = configuration.ConnectionProxy is { } proxy ? new SessionProxy(proxy) : null,
        };
        handler.SslOptions.EnabledSslProtocols = SslProtocolsBetween(configuration.TlsMinimumSupportedProtocolVersion, configuration.TlsMaximumSupportedProtocolVersion);
        return handler;
    }

    private static SslProtocols SslProtocolsBetween(TlsProtocolVersion minimum, TlsProtocolVersion maximum)
    {
        var protocols = SslProtocols.None;
#pragma warning disable SYSLIB0039 // TLS 1.0 and 1.1 are offered only when the configuration asks for them.
        foreach (var (version, flag) in new[] { (TlsProtocolVersion.Tls10, SslProtocols.Tls), (TlsProtocolVersion.Tls11, SslProtocols.Tls11), (TlsProtocolVersion.Tls12, SslProtocols.Tls12), (TlsProtocolVersion.Tls13, SslProtocols.Tls13) })
#pragma warning restore SYSLIB0039
        {
            if (version >= minimum && version <= maximum)
                protocols |= flag;
        }
        return protocols;
    }

    /// <summary>Chooses the configuration's proxy by scheme and honours its exceptions.</summary>
    private sealed class SessionProxy(UrlProxyConfiguration proxy) : IWebProxy
    {
        public ICredentials? Credentials { get; set; }

        public Uri? GetProxy(Uri destination) =>
            destination.Scheme == Uri.UriSchemeHttps ? proxy.HttpsProxy : proxy.HttpProxy;

        public bool IsBypassed(Uri host) => GetProxy(host) is null || proxy.Bypasses(host.IdnHost);
    }
}

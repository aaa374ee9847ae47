using System;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;

namespace UrlLoading;

/// <summary>
/// A session's TLS callbacks: the server's certificate (server trust) and the client certificate a server asks for,
/// each put to the delegate as a session-level challenge. The handshake waits for the delegate's answer: the one
/// blocking wait of the transfer path, on the handshake's pool thread, never on the delegate queue.
/// </summary>
internal sealed class ServerTrustEvaluator(UrlSession? owner)
{
    private static readonly AsyncLocal<TrustOutcome?> s_trust = new();

    /// <summary>
    /// Starts collecting what the TLS callbacks decide for the request about to be sent from this flow, for an
    /// https URL or through a proxy (only a TLS handshake reports; setting an AsyncLocal costs an allocation).
    /// </summary>
    public static TrustOutcome Begin() => s_trust.Value = new TrustOutcome();

    /// <summary>Why the last TLS handshake of this request flow refused the server, when it did.</summary>
    internal sealed class TrustOutcome
    {
        public UrlErrorCode? Refusal { get; set; }

        public string? Why { get; set; }

        /// <summary>The server asked for a client certificate; <see cref="ClientCertificate"/> is what was sent, if anything.</summary>
        public bool ClientCertificateAsked { get; set; }

        public X509Certificate? ClientCertificate { get; set; }
    }

    /// <summary>
    /// A server that asks for a client certificate raises the session-level challenge
    /// <see cref="UrlProtectionSpace.AuthenticationMethodClientCertificate"/>; the delegate answers with
    /// <see cref="UrlCredential.ForClientCertificate"/>. Without an answer no certificate is sent.
    /// </summary>
    public X509Certificate? SelectClientCertificate(object sender, string targetHost,
        X509CertificateCollection localCertificates,
        X509Certificate? remoteCertificate, string[] acceptableIssuers)
    {
        var outcome = s_trust.Value;
        // Called before the server has asked (no remote certificate yet): nothing to offer until it does.
        if (remoteCertificate is null)
            return null;
        if (outcome is { ClientCertificateAsked: true })
            return outcome.ClientCertificate;
        if (outcome is not null)
            outcome.ClientCertificateAsked = true;
        if (owner is not { } session || !session.Answers(UrlSessionCallbacks.DidReceiveSessionChallenge))
            return null;
        var space = new UrlProtectionSpace(targetHost, 0, Uri.UriSchemeHttps, null, UrlProtectionSpace.AuthenticationMethodClientCertificate)
        {
            DistinguishedNames = acceptableIssuers,
        };
        var (disposition, credential) = session.DidReceiveSessionChallengeAsync(new UrlAuthenticationChallenge(space, null, 0, null, null)).AsTask().GetAwaiter().GetResult();
        var chosen = disposition == AuthChallengeDisposition.UseCredential ? credential?.ClientCertificate : null;
        if (outcome is not null)
            outcome.ClientCertificate = chosen;
        return chosen;
    }

    /// <summary>
    /// Every server certificate: the platform's verdict, then the session delegate's word when it answers the
    /// session-level challenge (server trust). Without a delegate, or with default handling, validation is never
    /// weakened; only an explicit <see cref="UrlCredential.ForTrust"/> accepts a chain the platform rejects.
    /// </summary>
    public bool TrustServer(object sender, X509Certificate? certificate,
        X509Chain? chain, SslPolicyErrors errors)
    {
        var outcome = s_trust.Value;
        bool badDate = chain?.ChainStatus.Any(s => s.Status is X509ChainStatusFlags.NotTimeValid) ?? false;
        // A date problem: not valid yet (-1204, usually a wrong clock on one side), else expired (-1201).
        UrlErrorCode refusal = !badDate ? UrlErrorCode.ServerCertificateUntrusted
            : certificate is X509Certificate2 { NotBefore: var notBefore } && notBefore.ToUniversalTime() > DateTime.UtcNow
                ? UrlErrorCode.ServerCertificateNotYetValid
                : UrlErrorCode.ServerCertificateHasBadDate;
        if (certificate is null)
            return Refuse(UrlErrorCode.SecureConnectionFailed, "The server presented no certificate.");
        if (owner is not { } session || !session.Answers(UrlSessionCallbacks.DidReceiveSessionChallenge))
            return errors == SslPolicyErrors.None || Refuse(refusal, $"The server's certificate is not trusted ({errors}).");

        string host = (sender as SslStream)?.TargetHostName ?? "";
        // Copies: the handshake disposes its own certificate objects when it ends, and the delegate may keep the trust.
        var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var elements = chain?.ChainElements.Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.RawData)).ToList() ?? [leaf];
        var trust = new ServerTrust(host, leaf, elements, errors, badDate);
        var space = new UrlProtectionSpace(host, 0, Uri.UriSchemeHttps, null, UrlProtectionSpace.AuthenticationMethodServerTrust) { ServerTrust = trust };
        // The handshake waits for the answer, as Apple's does; this runs on a pool thread, never on the delegate queue.
        var (disposition, credential) = session.DidReceiveSessionChallengeAsync(new UrlAuthenticationChallenge(space, null, 0, null, null)).AsTask().GetAwaiter().GetResult();
        return disposition switch
        {
            AuthChallengeDisposition.UseCredential when credential?.ServerTrust == trust => true,
            AuthChallengeDisposition.CancelAuthenticationChallenge => Refuse(UrlErrorCode.Cancelled, "The delegate cancelled the server trust challenge."),
            AuthChallengeDisposition.RejectProtectionSpace => Refuse(refusal, "The delegate rejected the server's certificate."),
            _ => errors == SslPolicyErrors.None || Refuse(refusal, $"The server's certificate is not trusted ({errors}) and the delegate left it to default handling."),
        };

        bool Refuse(UrlErrorCode code, string why)
        {
            if (outcome is not null)
                (outcome.Refusal, outcome.Why) = (code, why);
            return false;
        }
    }
}

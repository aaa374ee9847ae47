using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace UrlLoading;

/// <summary>
/// The certificate chain a server presented and the platform's verdict on it (Apple's <c>SecTrust</c>), offered to
/// the session delegate's <c>DidReceiveChallenge</c> with <see cref="UrlProtectionSpace.AuthenticationMethodServerTrust"/>.
/// Accept it with <see cref="UrlCredential.ForTrust"/> only after checking it yourself (for example against a pinned
/// fingerprint); <see cref="AuthChallengeDisposition.PerformDefaultHandling"/> keeps the platform's verdict.
/// </summary>
public sealed class ServerTrust
{
    internal ServerTrust(string host, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, SslPolicyErrors policyErrors, bool notTimeValid)
    {
        Host = host;
        Certificate = certificate;
        Chain = chain;
        PolicyErrors = policyErrors;
        HasBadDate = notTimeValid;
    }

    /// <summary>The host name the connection was made to.</summary>
    public string Host { get; }

    /// <summary>The server's own (leaf) certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The chain the platform built, leaf first.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>What the platform's validation found wrong; <see cref="SslPolicyErrors.None"/> when it trusts the server.</summary>
    public SslPolicyErrors PolicyErrors { get; }

    /// <summary>True when a certificate of the chain is expired or not yet valid.</summary>
    public bool HasBadDate { get; }

    /// <summary>The SHA-256 fingerprint of <see cref="Certificate"/> in upper-case hex, for pinning.</summary>
    public string Sha256Fingerprint => Convert.ToHexString(SHA256.HashData(Certificate.RawData));

    /// <summary>The platform's verdict (Apple's <c>SecTrustEvaluateWithError</c>): true when nothing is wrong.</summary>
    /// <returns>True when the chain is trusted and matches <see cref="Host"/>.</returns>
    public bool Evaluate() => PolicyErrors == SslPolicyErrors.None;
}

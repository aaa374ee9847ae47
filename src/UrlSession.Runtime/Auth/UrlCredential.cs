using System;

namespace UrlLoading;

/// <summary>A user name and password for an authentication challenge (Apple's <c>URLCredential</c>).</summary>
public sealed record UrlCredential
{
    /// <summary>Creates a password credential.</summary>
    /// <param name="user">The user name.</param>
    /// <param name="password">The password.</param>
    /// <param name="persistence">How long the credential may be stored.</param>
    public UrlCredential(string user, string password, UrlCredentialPersistence persistence = UrlCredentialPersistence.ForSession)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        User = user;
        Password = password;
        Persistence = persistence;
    }

    private UrlCredential(ServerTrust trust)
    {
        User = "";
        Password = "";
        Persistence = UrlCredentialPersistence.None;
        ServerTrust = trust;
    }

    /// <summary>A credential that accepts a server's certificate chain (Apple's <c>URLCredential(trust:)</c>).</summary>
    /// <param name="trust">The trust from the challenge's protection space, after you have checked it.</param>
    /// <returns>The credential.</returns>
    public static UrlCredential ForTrust(ServerTrust trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        return new UrlCredential(trust);
    }

    private UrlCredential(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        User = "";
        Password = "";
        Persistence = UrlCredentialPersistence.None;
        ClientCertificate = certificate;
    }

    /// <summary>A client certificate with its private key, for a client-certificate challenge (Apple's <c>URLCredential(identity:certificates:persistence:)</c>).</summary>
    /// <param name="certificate">The certificate; it must carry its private key.</param>
    /// <returns>The credential.</returns>
    public static UrlCredential ForClientCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
            throw new ArgumentException("A client certificate credential needs the certificate's private key (load it from a PFX/PKCS#12 file or a store).", nameof(certificate));
        return new UrlCredential(certificate);
    }

    /// <summary>The client certificate this credential presents, or null.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; }

    /// <summary>The server trust this credential accepts, or null for a password credential.</summary>
    public ServerTrust? ServerTrust { get; }

    /// <summary>The user name.</summary>
    public string User { get; }

    /// <summary>The password.</summary>
    public string Password { get; }

    /// <summary>How long the credential may be stored.</summary>
    public UrlCredentialPersistence Persistence { get; }

    /// <summary>True when a password is present.</summary>
    public bool HasPassword => Password.Length > 0;

    /// <inheritdoc />
    public override string ToString() => $"{nameof(UrlCredential)} {{ User = {User}, Persistence = {Persistence} }}";
}

using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Security;

/// <summary>Server trust and TLS versions against a real TLS server on loopback with a certificate nobody trusts.</summary>
public sealed partial class ServerTrustTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [UrlSessionDelegate]
    private sealed partial class TrustDelegate(Func<UrlAuthenticationChallenge, (AuthChallengeDisposition, UrlCredential?)> answer)
    {
        public (AuthChallengeDisposition, UrlCredential?) Answer(UrlAuthenticationChallenge challenge) => answer(challenge);

        public List<UrlAuthenticationChallenge> Challenges { get; } = [];

        private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge)
        {
            lock (Challenges)
                Challenges.Add(challenge);
            return answer(challenge);
        }
    }

    private static async Task<(string? Body, UrlError? Error)> LoadAsync(TlsServer server, IUrlSessionDelegate? @delegate = null, Action<UrlSessionConfiguration>? configure = null)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configure?.Invoke(configuration);
        await using var session = new UrlSession(configuration, @delegate);
        try
        {
            var (data, _) = await session.DataAsync(server.Url, Ct);
            return (Encoding.UTF8.GetString(data), null);
        }
        catch (UrlError e)
        {
            return (null, e);
        }
    }

    private static TrustDelegate Pinning(TlsServer server) => new(challenge =>
        challenge.ProtectionSpace.ServerTrust is { } trust && trust.Sha256Fingerprint == Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(server.Certificate.RawData))
            ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust))
            : (AuthChallengeDisposition.PerformDefaultHandling, null));

    [Fact]
    public async Task Without_a_delegate_an_untrusted_certificate_fails_with_ServerCertificateUntrusted_and_nothing_is_sent()
    {
        await using var server = await TlsServer.StartAsync();
        var (_, error) = await LoadAsync(server);
        Assert.Equal(UrlErrorCode.ServerCertificateUntrusted, error!.Code);
        Assert.Equal(-1202, (int)error.Code);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task A_delegate_that_pins_the_certificate_accepts_it_and_sees_the_whole_challenge()
    {
        await using var server = await TlsServer.StartAsync();
        var pinning = Pinning(server);
        var (body, error) = await LoadAsync(server, pinning);
        Assert.Null(error);
        Assert.StartsWith("over Tls1", body, StringComparison.Ordinal);
        var challenge = Assert.Single(pinning.Challenges);
        Assert.Equal(UrlProtectionSpace.AuthenticationMethodServerTrust, challenge.ProtectionSpace.AuthenticationMethod);
        Assert.Equal("127.0.0.1", challenge.ProtectionSpace.Host);
        var trust = challenge.ProtectionSpace.ServerTrust!;
        Assert.False(trust.Evaluate());
        Assert.True(trust.PolicyErrors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Equal(server.Certificate.Thumbprint, trust.Certificate.Thumbprint);
    }

    [Theory]
    [InlineData(AuthChallengeDisposition.PerformDefaultHandling, UrlErrorCode.ServerCertificateUntrusted)]
    [InlineData(AuthChallengeDisposition.RejectProtectionSpace, UrlErrorCode.ServerCertificateUntrusted)]
    [InlineData(AuthChallengeDisposition.CancelAuthenticationChallenge, UrlErrorCode.Cancelled)]
    public async Task Default_handling_never_weakens_validation_and_a_refusal_fails_the_task(AuthChallengeDisposition disposition, UrlErrorCode expected)
    {
        await using var server = await TlsServer.StartAsync();
        var (_, error) = await LoadAsync(server, new TrustDelegate(_ => (disposition, null)));
        Assert.Equal(expected, error!.Code);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task A_trust_credential_for_another_chain_does_not_accept_this_one()
    {
        await using var server = await TlsServer.StartAsync();
        await using var other = await TlsServer.StartAsync();
        ServerTrust? otherTrust = null;
        var collector = new TrustDelegate(c => { otherTrust = c.ProtectionSpace.ServerTrust; return (AuthChallengeDisposition.PerformDefaultHandling, null); });
        await LoadAsync(other, collector);
        var (_, error) = await LoadAsync(server, new TrustDelegate(_ => (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(otherTrust!))));
        Assert.Equal(UrlErrorCode.ServerCertificateUntrusted, error!.Code);
    }

    [Fact]
    public async Task An_expired_certificate_fails_with_ServerCertificateHasBadDate()
    {
        await using var server = await TlsServer.StartAsync(TlsServer.CreateCertificate(validFrom: -10, validTo: -1));
        var (_, error) = await LoadAsync(server);
        Assert.Equal(UrlErrorCode.ServerCertificateHasBadDate, error!.Code);
    }

    [Fact]
    public async Task A_certificate_not_valid_yet_fails_with_ServerCertificateNotYetValid()
    {
        await using var server = await TlsServer.StartAsync(TlsServer.CreateCertificate(validFrom: 2, validTo: 30));
        var (_, error) = await LoadAsync(server);
        Assert.Equal(UrlErrorCode.ServerCertificateNotYetValid, error!.Code);
        Assert.Equal(-1204, (int)error.Code);
        Assert.Equal(0, server.Requests);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12, TlsProtocolVersion.Tls13, TlsProtocolVersion.Tls13, false)]
    [InlineData(SslProtocols.Tls13, TlsProtocolVersion.Tls12, TlsProtocolVersion.Tls12, false)]
    [InlineData(SslProtocols.Tls12, TlsProtocolVersion.Tls12, TlsProtocolVersion.Tls13, true)]
    [InlineData(SslProtocols.Tls13, TlsProtocolVersion.Tls12, TlsProtocolVersion.Tls13, true)]
    public async Task The_session_s_TLS_version_range_is_enforced(SslProtocols serverProtocols, TlsProtocolVersion minimum, TlsProtocolVersion maximum, bool connects)
    {
        await using var server = await TlsServer.StartAsync(protocols: serverProtocols);
        var (body, error) = await LoadAsync(server, Pinning(server), c =>
        {
            c.TlsMinimumSupportedProtocolVersion = minimum;
            c.TlsMaximumSupportedProtocolVersion = maximum;
        });
        if (connects)
        {
            Assert.Null(error);
            Assert.Equal($"over {serverProtocols}", body);
        }
        else
        {
            Assert.Equal(UrlErrorCode.SecureConnectionFailed, error!.Code);
            Assert.Equal(0, server.Requests);
        }
    }

    [Theory]
    [InlineData(true, "HTTP/2")]
    [InlineData(false, "HTTP/1.1")]
    public async Task HttpShouldUsePipelining_allows_HTTP2_multiplexing_over_TLS(bool pipelining, string expected)
    {
        await using var server = await TlsServer.StartAsync();
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpShouldUsePipelining = pipelining;
        await using var session = new UrlSession(configuration, Pinning(server));
        var (data, _) = await session.DataAsync(new Uri(server.Url, "/protocol"), Ct);
        Assert.Equal(expected, Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task A_server_that_requires_a_client_certificate_gets_the_one_the_delegate_gives()
    {
        await using var server = await TlsServer.StartAsync(requireClientCertificate: true);
        var mine = TlsServer.CreateCertificate(subject: "CN=ada-client", client: true);
        var pinning = Pinning(server);
        var identity = new TrustDelegate(challenge => challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodClientCertificate
            ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForClientCertificate(mine))
            : pinning.Answer(challenge));
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, identity);
        var (data, _) = await session.DataAsync(new Uri(server.Url, "/whoami"), Ct);
        Assert.Equal("CN=ada-client", Encoding.UTF8.GetString(data));
        Assert.Contains(identity.Challenges, c => c.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodClientCertificate);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_task_fails_with_ClientCertificateRequired()
    {
        await using var server = await TlsServer.StartAsync(requireClientCertificate: true);
        var (_, error) = await LoadAsync(server, Pinning(server));
        Assert.Equal(UrlErrorCode.ClientCertificateRequired, error!.Code);
        Assert.Equal(-1206, (int)error.Code);
    }

    [Fact]
    public void A_client_certificate_credential_needs_the_private_key()
    {
        using var withKey = TlsServer.CreateCertificate(client: true);
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(withKey.RawData);
        Assert.Contains("private key", Assert.Throws<ArgumentException>(() => UrlCredential.ForClientCertificate(publicOnly)).Message, StringComparison.Ordinal);
    }
}

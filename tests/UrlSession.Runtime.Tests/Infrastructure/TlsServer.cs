using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace UrlLoading.Tests.Infrastructure;

/// <summary>A Kestrel HTTPS server on 127.0.0.1 with a certificate made for the test (self-signed, so no one trusts it).</summary>
public sealed class TlsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private TlsServer(X509Certificate2 certificate, SslProtocols protocols, bool requireClientCertificate)
    {
        Certificate = certificate;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2;
            var https = new HttpsConnectionAdapterOptions { ServerCertificate = certificate, SslProtocols = protocols };
            if (requireClientCertificate)
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                // The test's client certificates are self-signed: accept any, and report which one came.
                https.ClientCertificateValidation = (_, _, _) => true;
            }
            listen.UseHttps(https);
        }));
        _app = builder.Build();
        _app.MapGet("/protocol", (HttpContext http) => http.Request.Protocol);
        _app.MapGet("/whoami", (HttpContext http) => http.Connection.ClientCertificate?.Subject ?? "anonymous");
        _app.MapGet("/secret", (HttpContext http) =>
        {
            Interlocked.Increment(ref _requests);
            return $"over {http.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>()?.Protocol}";
        });
    }

    public X509Certificate2 Certificate { get; }

    public int Requests => Volatile.Read(ref _requests);

    public Uri Url => new(new Uri(_app.Urls.First()), "/secret");

    public static async Task<TlsServer> StartAsync(X509Certificate2? certificate = null, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13, bool requireClientCertificate = false)
    {
        var server = new TlsServer(certificate ?? CreateCertificate(), protocols, requireClientCertificate);
        await server._app.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    /// <summary>A self-signed certificate for 127.0.0.1, valid from <paramref name="validFrom"/> days to <paramref name="validTo"/> days from now.</summary>
    public static X509Certificate2 CreateCertificate(int validFrom = -1, int validTo = 1, string subject = "CN=urlsession-test", bool client = false)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(validFrom), DateTimeOffset.UtcNow.AddDays(validTo));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// A loopback Kestrel server with one file: ranges with a strong ETag; the first full response can stall after
/// some bytes until released (to kill things mid-transfer); the first requests can fail or answer 503 Retry-After.
/// <c>/private.bin</c> is the same file behind HTTP Basic (ada:lovelace, realm "files"). With <c>tls</c> the server
/// speaks HTTPS only, with a self-signed certificate nobody trusts (<see cref="Certificate"/>).
/// </summary>
internal sealed class FileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _resets;
    private int _unavailable;

    public byte[] Content { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>With holdRanges, range requests (resumptions) wait for this before they are answered.</summary>
    public TaskCompletionSource RangeRelease { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri Url => new(new Uri(_app.Urls.First()), "/file.bin");

    public Uri UploadUrl => new(new Uri(_app.Urls.First()), "/upload");

    /// <summary>Uploads wait for this after reading the whole body, before answering.</summary>
    public TaskCompletionSource UploadRelease { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource UploadReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; }

    public Uri PrivateUrl => new(new Uri(_app.Urls.First()), "/private.bin");

    private FileServer(int size, int stallAfter, int resets, int unavailable, bool holdRanges, bool tls)
    {
        Content = RandomNumberGenerator.GetBytes(size);
        _resets = resets;
        _unavailable = unavailable;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (tls)
        {
            Certificate = SelfSigned();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.UseHttps(Certificate)));
        }
        else
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        _app = builder.Build();
        _app.MapGet("/private.bin", (HttpContext http) =>
        {
            string authorization = http.Request.Headers.Authorization.ToString();
            Requests.Enqueue(authorization.Length > 0 ? $"GET private {authorization}" : "GET private");
            if (authorization != "Basic " + Convert.ToBase64String("ada:lovelace"u8))
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"files\"";
                return Results.Text("who are you?", statusCode: 401);
            }
            return Results.Bytes(Content, "application/octet-stream");
        });
        var etag = new EntityTagHeaderValue("\"daemon-v1\"");
        _app.MapPost("/upload", async (HttpContext http) =>
        {
            using var copy = new MemoryStream();
            await http.Request.Body.CopyToAsync(copy, http.RequestAborted);
            Requests.Enqueue($"POST {copy.Length}");
            UploadReceived.TrySetResult();
            await UploadRelease.Task.WaitAsync(http.RequestAborted);
            return $"received {copy.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(copy.ToArray()))}";
        });
        _app.MapGet("/file.bin", async (HttpContext http) =>
        {
            string range = http.Request.Headers.Range.ToString();
            Requests.Enqueue(range.Length > 0 ? $"GET {range}" : "GET");
            if (Interlocked.Decrement(ref _resets) >= 0)
            {
                http.Abort();
                return;
            }
            if (Interlocked.Decrement(ref _unavailable) >= 0)
            {
                http.Response.StatusCode = 503;
                http.Response.Headers.RetryAfter = "1";
                await http.Response.WriteAsync("busy, come back in a second");
                return;
            }
            if (range.Length > 0 && holdRanges)
                await RangeRelease.Task.WaitAsync(http.RequestAborted);
            if (range.Length > 0 || stallAfter < 0)
            {
                await Results.Bytes(Content, "application/octet-stream", enableRangeProcessing: true, entityTag: etag).ExecuteAsync(http);
                return;
            }
            http.Response.ContentLength = Content.Length;
            http.Response.Headers.ETag = etag.ToString();
            await http.Response.Body.WriteAsync(Content.AsMemory(0, stallAfter), http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            Stalled.TrySetResult();
            await Release.Task.WaitAsync(http.RequestAborted);
            await http.Response.Body.WriteAsync(Content.AsMemory(stallAfter), http.RequestAborted);
        });
    }

    public static async Task<FileServer> StartAsync(int size = 6_000_000, int stallAfter = -1, int resets = 0, int unavailable = 0, bool holdRanges = false, bool tls = false)
    {
        var server = new FileServer(size, stallAfter, resets, unavailable, holdRanges, tls);
        await server._app.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=daemon-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel wants the key in a form it can use on Linux: round-trip through PKCS#12.
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        Release.TrySetResult();
        RangeRelease.TrySetResult();
        UploadRelease.TrySetResult();
        await _app.DisposeAsync();
    }
}

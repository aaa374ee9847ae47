using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tour;

/// <summary>The loopback server the tour talks to: nothing leaves this machine.</summary>
internal static class TourServer
{
    public static async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Plain HTTP for most steps, and HTTPS with a certificate made up on the spot, which nobody trusts (step 11).
        using var certificate = UntrustedCertificate();
        var https = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, 0);
            kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.UseHttps(https));
        });
        var app = builder.Build();
        app.MapGet("/hello", () => "Hello from the loopback server");
        app.MapGet("/old-place", (HttpContext http) => Results.Redirect("/hello"));
        app.MapGet("/cookie", (HttpContext http) =>
        {
            http.Response.Cookies.Append("tour", "visited");
            return "cookie set";
        });
        app.MapGet("/whoami", (HttpContext http) => $"cookie header: {http.Request.Headers.Cookie}");
        app.MapGet("/stream", async (HttpContext http) =>
        {
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = 4 * 16384;
            var chunk = new byte[16384];
            for (int i = 0; i < 4; i++)
            {
                Array.Fill(chunk, (byte)('a' + i));
                await http.Response.Body.WriteAsync(chunk);
                await http.Response.Body.FlushAsync();
            }
        });
        app.MapGet("/never-ends", async (HttpContext http) =>
        {
            http.Response.ContentLength = 1_000_000;
            await http.Response.Body.WriteAsync(new byte[10]);
            await http.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, http.RequestAborted);
        });
        var file = new byte[3 * 1024 * 1024];
        new Random(42).NextBytes(file);
        var etag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"tour-v1\"");
        app.MapGet("/file.bin", async (HttpContext http) =>
        {
            if (http.Request.Headers.Range.Count > 0)
            {
                // A resumed download: serve the rest, honouring Range and If-Range.
                await Results.Bytes(file, "application/octet-stream", enableRangeProcessing: true, entityTag: etag).ExecuteAsync(http);
                return;
            }
            // A first attempt: half the file, then the connection stalls, so the tour has something to resume.
            http.Response.ContentLength = file.Length;
            http.Response.Headers.ETag = etag.ToString();
            await http.Response.Body.WriteAsync(file.AsMemory(0, file.Length / 2));
            await http.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, http.RequestAborted);
        });
        // Cacheable resources: one fresh for an hour, one that must be revalidated each time (ETag).
        int logoRequests = 0, newsRequests = 0;
        app.MapGet("/logo", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "max-age=3600";
            return $"logo, request {Interlocked.Increment(ref logoRequests)} to the server";
        });
        app.MapGet("/news", (HttpContext http) =>
        {
            int n = Interlocked.Increment(ref newsRequests);
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers.ETag = "\"news-1\"";
            http.Response.Headers["X-Server-Requests"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (http.Request.Headers.IfNoneMatch == "\"news-1\"")
                return Results.StatusCode(304);
            return Results.Text($"news, request {n} to the server");
        });
        // A page behind HTTP Basic authentication.
        app.MapGet("/private", (HttpContext http) =>
        {
            if (http.Request.Headers.Authorization == "Basic " + Convert.ToBase64String("tour:guide"u8))
                return Results.Text("the private page");
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"tour\"";
            return Results.StatusCode(401);
        });
        // A whole file for the background step.
        app.MapGet("/report.pdf", () => Results.Bytes(file, "application/pdf", enableRangeProcessing: true, entityTag: etag));
        await app.StartAsync();
        return app;
    }

    public static Uri BaseAddress(this WebApplication app) => new(app.Urls.First(u => u.StartsWith("http:", StringComparison.Ordinal)));

    public static Uri SecureAddress(this WebApplication app) => new(app.Urls.First(u => u.StartsWith("https:", StringComparison.Ordinal)));

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 UntrustedCertificate()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=tour", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}

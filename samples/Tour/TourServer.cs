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
        builder.WebHost.UseUrls("http://127.0.0.1:0");
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
        // A whole file for the background step.
        app.MapGet("/report.pdf", () => Results.Bytes(file, "application/pdf", enableRangeProcessing: true, entityTag: etag));
        await app.StartAsync();
        return app;
    }

    public static Uri BaseAddress(this WebApplication app) => new(app.Urls.First());
}

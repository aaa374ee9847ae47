using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(UrlLoading.Hosting.Tests.LoopbackServer))]

namespace UrlLoading.Hosting.Tests;

/// <summary>A Kestrel server on 127.0.0.1 for the hosting tests. One per test assembly.</summary>
public sealed class LoopbackServer : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public Uri Url(string pathAndQuery) => new(BaseAddress, pathAndQuery);

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        // Who asked: the User-Agent (the session's own when the caller sets none) and the X-App header.
        app.MapGet("/whoami", (HttpContext http) => $"{http.Request.Headers.UserAgent} | {http.Request.Headers["X-App"]}");
        app.MapGet("/basic", (HttpContext http) =>
        {
            if (http.Request.Headers.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ada:lovelace")))
                return Results.Text("welcome ada");
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"hosting\"";
            return Results.Text("who are you?", statusCode: 401);
        });
        await app.StartAsync();
        _app = app;
        BaseAddress = new Uri(app.Urls.First());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}

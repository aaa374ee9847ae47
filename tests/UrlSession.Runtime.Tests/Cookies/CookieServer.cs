using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cookies;

/// <summary>
/// One Kestrel app on 127.0.0.1 answering both http and https (a self-signed certificate), so a cookie set over one
/// scheme can be attacked from the other on the same host. <c>/set-cookie?c=...</c> sends each <c>c</c> as a
/// <c>Set-Cookie</c> line; <c>/flood?n=&amp;from=</c> sends <c>n</c> cookies named <c>c{from}</c>, <c>c{from+1}</c>...;
/// <c>/big?bytes=</c> one cookie of that many value bytes; <c>/cookies</c> answers with the <c>Cookie</c> header it got.
/// </summary>
public sealed class CookieServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CookieServer(WebApplication app, IReadOnlyList<IPAddress> hosts)
    {
        _app = app;
        Hosts = hosts;
    }

    public System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate { get; private init; } = null!;

    /// <summary>The loopback addresses the server listens on (http only, beyond the first).</summary>
    public IReadOnlyList<IPAddress> Hosts { get; }

    public Uri Http(string pathAndQuery) => new(new Uri(Address(Uri.UriSchemeHttp, Hosts[0])), pathAndQuery);

    public Uri Https(string pathAndQuery) => new(new Uri(Address(Uri.UriSchemeHttps, Hosts[0])), pathAndQuery);

    public Uri HttpOn(IPAddress host, string pathAndQuery) => new(new Uri(Address(Uri.UriSchemeHttp, host)), pathAndQuery);

    public static Uri SetCookie(Func<string, Uri> origin, params string[] cookies) =>
        origin("/set-cookie?" + string.Join("&", cookies.Select(c => "c=" + Uri.EscapeDataString(c))));

    /// <summary>Starts on 127.0.0.1 (http and https) and, over http, on each of <paramref name="moreHosts"/>.</summary>
    public static async Task<CookieServer> StartAsync(params IPAddress[] moreHosts)
    {
        var certificate = TlsServer.CreateCertificate();
        IPAddress[] hosts = [IPAddress.Loopback, .. moreHosts];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate));
            foreach (var host in moreHosts)
                kestrel.Listen(host, 0);
        });
        var app = builder.Build();
        app.MapGet("/set-cookie", (HttpContext http) =>
        {
            http.Response.Headers.SetCookie = http.Request.Query["c"];
            return "set";
        });
        app.MapGet("/flood", (HttpContext http) =>
        {
            int n = int.Parse(http.Request.Query["n"]!, CultureInfo.InvariantCulture);
            int from = int.Parse(http.Request.Query["from"]!, CultureInfo.InvariantCulture);
            var lines = new string[n];
            for (int i = 0; i < n; i++)
                lines[i] = $"c{from + i:D5}=v; Path=/";
            http.Response.Headers.SetCookie = new StringValues(lines);
            return "flooded";
        });
        app.MapGet("/big", (HttpContext http) =>
        {
            int bytes = int.Parse(http.Request.Query["bytes"]!, CultureInfo.InvariantCulture);
            http.Response.Headers.SetCookie = new StringValues(["big=" + new string('x', bytes) + "; Path=/", "small=1; Path=/"]);
            return "big";
        });
        app.MapGet("/cookies", (HttpContext http) => http.Request.Headers.Cookie.ToString());
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new CookieServer(app, hosts) { Certificate = certificate };
    }

    private string Address(string scheme, IPAddress host) =>
        _app.Urls.First(u => u.StartsWith($"{scheme}://{host}:", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(UrlLoading.Tests.Infrastructure.TestServer))]

namespace UrlLoading.Tests.Infrastructure;

/// <summary>A real Kestrel server on 127.0.0.1 with the endpoints the runtime tests talk to. One per test assembly.</summary>
public sealed class TestServer : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Request headers seen by <c>/echo-headers</c>, keyed by the <c>X-Test-Id</c> header.</summary>
    public ConcurrentDictionary<string, IHeaderDictionary> SeenHeaders { get; } = new();

    public Uri Url(string pathAndQuery) => new(BaseAddress, pathAndQuery);

    private static Dictionary<string, string> DigestParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, "(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))"))
            result[m.Groups[1].Value] = m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;
        return result;
    }

    /// <summary>What <c>/cache/{name}</c> saw, per name: one line per request ("GET", "GET inm=..." or "GET ims=...").</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<string>> CacheRequests { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/hello", (HttpContext http) =>
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            http.Response.ContentLength = 5;
            return http.Response.WriteAsync("hello");
        });
        // A resource whose caching headers the query sets: cc (Cache-Control), etag, lm (Last-Modified, seconds ago),
        // expires (seconds from now), age, vary, status, fail (answer 500 from that request on), pad (that many bytes
        // more body), chunked (no Content-Length). The body says which request made it; every answer, 304s included,
        // carries X-Hit.
        app.Map("/cache/{name}", (HttpContext http, string name) =>
        {
            var seen = CacheRequests.GetOrAdd(name, _ => new ConcurrentQueue<string>());
            var q = http.Request.Query;
            string inm = http.Request.Headers.IfNoneMatch.ToString(), ims = http.Request.Headers.IfModifiedSince.ToString();
            seen.Enqueue(http.Request.Method + (inm.Length > 0 ? $" inm={inm}" : "") + (ims.Length > 0 ? $" ims" : ""));
            int hit = seen.Count;
            var headers = http.Response.Headers;
            headers["X-Hit"] = hit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            headers.Date = DateTimeOffset.UtcNow.ToString("r");
            if (q["fail"].ToString() is { Length: > 0 } fail && hit >= int.Parse(fail))
                return Results.Text($"{name} failed #{hit}", statusCode: 500);
            if (q["cc"].ToString() is { Length: > 0 } cc)
                headers.CacheControl = cc;
            if (q["etag"].ToString() is { Length: > 0 } etag)
                headers.ETag = $"\"{etag}\"";
            if (q["lm"].ToString() is { Length: > 0 } lm)
                headers.LastModified = DateTimeOffset.UtcNow.AddSeconds(-int.Parse(lm)).ToString("r");
            if (q["expires"].ToString() is { Length: > 0 } expires)
                headers.Expires = DateTimeOffset.UtcNow.AddSeconds(int.Parse(expires)).ToString("r");
            if (q["age"].ToString() is { Length: > 0 } age)
                headers.Age = age;
            if (q["vary"].ToString() is { Length: > 0 } vary)
                headers.Vary = vary;
            bool notModified = (inm.Length > 0 && inm == headers.ETag.ToString()) || (inm.Length == 0 && ims.Length > 0 && q["lm"].Count > 0);
            if (notModified && http.Request.Method == "GET")
                return Results.StatusCode(304);
            int status = int.TryParse(q["status"], out int s) ? s : 200;
            if (status == 206)
                headers.ContentRange = "bytes 0-9/100";
            string text = $"{name} #{hit}" + new string('x', int.TryParse(q["pad"], out int pad) ? pad : 0);
            if (q["chunked"] == "1")
                return Results.Stream(body => body.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask(), "text/plain");
            return Results.Text(text, statusCode: status);
        });
        app.MapGet("/status/{code:int}", (int code) => Results.Text($"status {code}", statusCode: code));
        app.MapGet("/bytes/{count:long}", async (HttpContext http, long count) =>
        {
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = count;
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < count;)
            {
                int n = (int)Math.Min(chunk.Length, count - sent);
                for (int i = 0; i < n; i++)
                    chunk[i] = Pattern(sent + i);
                await http.Response.Body.WriteAsync(chunk.AsMemory(0, n), http.RequestAborted);
                sent += n;
            }
        });
        app.Map("/echo", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            string body = await reader.ReadToEndAsync();
            return $"{http.Request.Method} {http.Request.Path}{http.Request.QueryString} body={body}";
        });
        app.Map("/upload-digest", async (HttpContext http) =>
        {
            if (http.Request.Query.ContainsKey("basic") && http.Request.Headers.Authorization != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ada:lovelace")))
            {
                http.Response.StatusCode = 401;
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"uploads\"";
                return "who are you?";
            }
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long length = 0;
            for (int n; (n = await http.Request.Body.ReadAsync(buffer)) > 0;)
            {
                sha.AppendData(buffer, 0, n);
                length += n;
            }
            return $"{http.Request.Method} {length} {Convert.ToHexString(sha.GetHashAndReset())}";
        });
        app.MapGet("/echo-headers", (HttpContext http) =>
        {
            var lines = http.Request.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).Select(h => $"{h.Key}: {h.Value}");
            return string.Join("\n", lines);
        });
        app.Map("/redirect/{code:int}", (HttpContext http, int code) =>
        {
            http.Response.StatusCode = code;
            http.Response.Headers.Location = http.Request.Query["to"].ToString() is { Length: > 0 } to ? to : "/echo";
            return http.Response.WriteAsync($"redirect body {code}");
        });
        app.MapGet("/loop/{n:int}", (HttpContext http, int n) =>
        {
            http.Response.StatusCode = 302;
            http.Response.Headers.Location = $"/loop/{n + 1}";
            return Task.CompletedTask;
        });
        app.MapGet("/set-cookie", (HttpContext http) =>
        {
            foreach (var value in http.Request.Query["c"])
                http.Response.Headers.Append("Set-Cookie", value);
            return "set";
        });
        app.MapGet("/cookies/{**rest}", (HttpContext http) => http.Request.Headers.Cookie.ToString());
        app.MapGet("/basic", (HttpContext http) =>
        {
            string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ada:lovelace"));
            if (http.Request.Headers.Authorization == expected)
                return Results.Text("welcome ada");
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"tests\"";
            return Results.Text("who are you?", statusCode: 401);
        });
        // HTTP Digest (RFC 7616) for ada/lovelace, with the algorithm the path names; ?basic also offers Basic.
        app.MapGet("/digest/{algorithm}", (HttpContext http, string algorithm) =>
        {
            const string realm = "digest-realm", nonce = "n0nce-7616", opaque = "op4que";
            string header = http.Request.Headers.Authorization.ToString();
            if (header.StartsWith("Digest ", StringComparison.Ordinal))
            {
                var p = DigestParameters(header["Digest ".Length..]);
                bool sha = algorithm == "SHA-256";
                string H(string text) => Convert.ToHexString(sha ? System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)) : System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
                string ha1 = H($"ada:{realm}:lovelace"), ha2 = H($"GET:{p.GetValueOrDefault("uri")}");
                string expected = H($"{ha1}:{nonce}:{p.GetValueOrDefault("nc")}:{p.GetValueOrDefault("cnonce")}:auth:{ha2}");
                if (p.GetValueOrDefault("username") == "ada" && p.GetValueOrDefault("response") == expected && p.GetValueOrDefault("opaque") == opaque
                    && p.GetValueOrDefault("uri") == http.Request.Path + http.Request.QueryString)
                    return Results.Text($"digest welcome ada ({algorithm})");
            }
            http.Response.Headers.Append("WWW-Authenticate", $"Digest realm=\"{realm}\", qop=\"auth\", algorithm={algorithm}, nonce=\"{nonce}\", opaque=\"{opaque}\"");
            if (http.Request.Query.ContainsKey("basic"))
                http.Response.Headers.Append("WWW-Authenticate", "Basic realm=\"basic-realm\"");
            return Results.Text("who are you?", statusCode: 401);
        });
        app.MapGet("/unauthorized-no-challenge", () => Results.Text("no", statusCode: 401));
        app.MapGet("/slow-headers", async (HttpContext http) =>
        {
            await Task.Delay(Timeout.Infinite, http.RequestAborted);
        });
        MapHandlerEndpoints(app);
        await app.StartAsync();
        _app = app;
        BaseAddress = new Uri(app.Urls.First());
    }

    /// <summary>How many requests <c>/handler/flaky/{name}</c> saw, per name.</summary>
    public ConcurrentDictionary<string, int> FlakyRequests { get; } = new();

    /// <summary>
    /// For the HttpClient handler tests: <c>/handler/flaky/{name}?failures=N</c> answers 503 N times, then 200;
    /// <c>/handler/todos/{id}</c> is a JSON resource, and a POST to <c>/handler/todos</c> creates one (id 42).
    /// </summary>
    private void MapHandlerEndpoints(WebApplication app)
    {
        app.MapGet("/handler/flaky/{name}", (HttpContext http, string name) =>
        {
            int seen = FlakyRequests.AddOrUpdate(name, 1, (_, n) => n + 1);
            int failures = int.Parse(http.Request.Query["failures"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
            return seen <= failures ? Results.Text("try again", statusCode: 503) : Results.Text($"ok after {failures} failures");
        });
        app.MapGet("/handler/todos/{id:int}", (int id) =>
            Results.Content($"{{\"id\":{id},\"title\":\"todo {id}\",\"done\":false}}", "application/json"));
        app.MapPost("/handler/todos", async (HttpContext http) =>
        {
            using var posted = await System.Text.Json.JsonDocument.ParseAsync(http.Request.Body);
            var todo = posted.RootElement;
            string json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = 42,
                ["title"] = todo.GetProperty("title").GetString()!,
                ["done"] = todo.GetProperty("done").GetBoolean(),
            });
            return Results.Content(json, "application/json", statusCode: 201);
        });
    }

    /// <summary>The byte at offset <paramref name="i"/> of every <c>/bytes/N</c> body.</summary>
    public static byte Pattern(long i) => (byte)(i * 7 + i / 251);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}

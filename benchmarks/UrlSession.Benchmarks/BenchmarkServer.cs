using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace UrlLoading.Benchmarks;

/// <summary>The loopback server, in a child process of the benchmark so that its allocations are not counted.</summary>
internal sealed class BenchmarkServer : IDisposable
{
    private readonly Process _process;

    private BenchmarkServer(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Starts this program with <c>--serve</c> and reads the address it listens on.</summary>
    public static BenchmarkServer Start()
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardInput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(typeof(BenchmarkServer).Assembly.Location);
        start.ArgumentList.Add("--serve");
        var process = Process.Start(start)!;
        string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the server process ended before it listened");
        return new BenchmarkServer(process, new Uri(line));
    }

    /// <summary>
    /// Serves <c>/bytes/N</c>, <c>/entity/N</c> (the same bytes with a strong ETag, so that a download can checkpoint
    /// and resume), and <c>/cacheable/N</c> (fresh for an hour, with an ETag that answers 304), until standard input
    /// closes (the benchmark ended).
    /// </summary>
    public static async Task ServeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        var block = new byte[256 * 1024];
        Random.Shared.NextBytes(block);
        app.MapGet("/bytes/{count:long}", async (HttpContext http, long count) =>
        {
            http.Response.ContentLength = count;
            for (long sent = 0; sent < count; sent += block.Length)
                await http.Response.Body.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, count - sent)));
        });
        app.MapGet("/entity/{count:long}", async (HttpContext http, long count) =>
        {
            http.Response.Headers.ETag = $"\"{count}\"";
            http.Response.ContentLength = count;
            for (long sent = 0; sent < count; sent += block.Length)
                await http.Response.Body.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, count - sent)));
        });
        app.MapGet("/cacheable/{count:int}", (HttpContext http, int count) =>
        {
            http.Response.Headers.CacheControl = "max-age=3600";
            http.Response.Headers.ETag = "\"v1\"";
            if (http.Request.Headers.IfNoneMatch == "\"v1\"")
                return Results.StatusCode(304);
            return Results.Bytes(block.AsMemory(0, Math.Min(count, block.Length)), "application/octet-stream");
        });
        await app.StartAsync();
        Console.WriteLine(app.Urls.First());
        await Console.In.ReadToEndAsync();
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5000))
            _process.Kill();
        _process.Dispose();
    }
}

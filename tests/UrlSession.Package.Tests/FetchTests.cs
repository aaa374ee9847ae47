using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace UrlLoading.Package.Tests;

/// <summary>The curl-like sample as a user runs it: a real process against a loopback server.</summary>
public sealed partial class FetchTests : IAsyncLifetime
{
    private static readonly byte[] s_file = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
    private readonly string _dir = Directory.CreateTempSubdirectory("urlsession-fetch-").FullName;
    private WebApplication? _app;

    private Uri Url(string path) => new(new Uri(_app!.Urls.First()), path);

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        var etag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"fetch-v1\"");
        _app.MapGet("/file.bin", async (HttpContext http) =>
        {
            if (http.Request.Headers.Range.Count > 0 || http.Request.Query.ContainsKey("whole"))
            {
                await Results.Bytes(s_file, "application/octet-stream", enableRangeProcessing: true, entityTag: etag).ExecuteAsync(http);
                return;
            }
            http.Response.ContentLength = s_file.Length;
            http.Response.Headers.ETag = etag.ToString();
            await http.Response.Body.WriteAsync(s_file.AsMemory(0, s_file.Length / 3));
            await http.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, http.RequestAborted);
        });
        _app.MapPost("/upload", async (HttpContext http) =>
        {
            using var copy = new MemoryStream();
            await http.Request.Body.CopyToAsync(copy);
            return $"received {copy.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(copy.ToArray()))}";
        });
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app!.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string DaemonDll => Path.Combine(PackedPackage.RepositoryRoot, "src", "UrlSession.Daemon", "bin", "Debug", "net10.0", "urlsessiond.dll");

    private static string FetchDll => Path.Combine(PackedPackage.RepositoryRoot, "samples", "Fetch", "bin", "Debug", "net10.0", "fetch.dll");

    private async Task<(int Code, string Output)> FetchAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        string stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, stdout + stderr);
    }

    private Process Start(string[] arguments, string? runtimeConfig = null)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        if (runtimeConfig is not null)
        {
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add("--runtimeconfig");
            start.ArgumentList.Add(runtimeConfig);
        }
        // A private urlsessiond for --background: its own socket and state under this test's folder.
        start.Environment["URLSESSIOND_PATH"] = DaemonDll;
        start.Environment["URLSESSIOND_RUNTIME_DIR"] = Path.Combine(_dir, "daemon-run");
        start.Environment["URLSESSIOND_STATE_DIR"] = Path.Combine(_dir, "daemon-state");
        start.ArgumentList.Add(FetchDll);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    private async Task<(int Code, string Output)> FetchWithConfigAsync(string runtimeConfig, params string[] arguments)
    {
        using var process = Start(arguments, runtimeConfig);
        string output = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken) + output;
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, output);
    }

    /// <summary>
    /// NTLM where the platform has none (Linux without gss-ntlmssp): the error names both fixes; with the managed-NTLM
    /// switch the error names, given in the app's runtime configuration, the same fetch signs in.
    /// </summary>
    [Fact]
    public async Task Fetch_signs_in_with_NTLM_once_the_app_turns_on_managed_NTLM_and_says_how_when_it_has_not()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows() || File.Exists("/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so"), "this system has NTLM of its own");
        await using var server = await UrlLoading.Tests.Infrastructure.WindowsAuthServer.StartAsync();
        string url = server.Url("ntlm").ToString();
        string shipped = Path.ChangeExtension(FetchDll, ".runtimeconfig.json");
        var (code, output) = await FetchWithConfigAsync(shipped, url, "-u", "TESTDOM\\alice:wonderland", "-o", "page.txt");
        Assert.True(code == 1, output);
        Assert.Contains("asks for NTLM", output, StringComparison.Ordinal);
        Assert.Contains("gss-ntlmssp", output, StringComparison.Ordinal);
        Assert.Contains("System.Net.Security.UseManagedNtlm", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "page.txt")));

        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(shipped))!;
        config["runtimeOptions"]!["configProperties"] = new System.Text.Json.Nodes.JsonObject { ["System.Net.Security.UseManagedNtlm"] = true };
        string managed = Path.Combine(_dir, "fetch.managed-ntlm.runtimeconfig.json");
        File.WriteAllText(managed, config.ToJsonString());
        (code, output) = await FetchWithConfigAsync(managed, url, "-u", "TESTDOM\\alice:wonderland", "-o", "page.txt");
        Assert.True(code == 0, output);
        Assert.Equal("welcome TESTDOM\\alice via NTLM", File.ReadAllText(Path.Combine(_dir, "page.txt")));
        Assert.Equal(["NTLM TESTDOM\\alice ok"], server.Verdicts);
    }

    [Fact]
    public async Task Fetch_downloads_a_file_byte_for_byte_and_uploads_one()
    {
        var (code, output) = await FetchAsync(Url("/file.bin?whole=1").ToString(), "-o", "whole.bin");
        Assert.True(code == 0, output);
        Assert.Equal(s_file, File.ReadAllBytes(Path.Combine(_dir, "whole.bin")));

        (code, output) = await FetchAsync(Url("/upload").ToString(), "--upload", "whole.bin");
        Assert.True(code == 0, output);
        Assert.Contains($"received {s_file.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(s_file))}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_saves_resume_data_and_continue_finishes_the_same_file()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "sends SIGINT");
        using (var process = Start([Url("/file.bin").ToString(), "-o", "big.bin"]))
        {
            // Wait until bytes arrive (the progress line), then press Ctrl-C.
            var seen = new StringBuilder();
            var buffer = new char[256];
            while (!seen.ToString().Contains("downloading [", StringComparison.Ordinal))
            {
                int n = await process.StandardError.ReadAsync(buffer, TestContext.Current.CancellationToken);
                Assert.True(n > 0, $"fetch ended early: {seen}");
                seen.Append(buffer, 0, n);
            }
            Assert.Equal(0, Interrupt(process.Id, 2));
            seen.Append(await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 130, seen.ToString());
            Assert.Contains("--continue", seen.ToString(), StringComparison.Ordinal);
        }
        Assert.True(File.Exists(Path.Combine(_dir, "big.bin.resume")));

        var (code, output) = await FetchAsync(Url("/file.bin").ToString(), "-o", "big.bin", "--continue");
        Assert.True(code == 0, output);
        Assert.Contains("resuming at byte", output, StringComparison.Ordinal);
        Assert.Equal(s_file, File.ReadAllBytes(Path.Combine(_dir, "big.bin")));
        Assert.False(File.Exists(Path.Combine(_dir, "big.bin.resume")));
    }

    [Fact]
    public async Task A_write_failure_mid_download_keeps_the_resumable_part_and_continue_finishes_it()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "uses the shell's file-size limit");
        // A 512 KiB file-size limit makes the write fail part-way, as a full disk does (EFBIG instead of ENOSPC);
        // SIGXFSZ is ignored so that the write returns an error instead of killing the process.
        var start = new ProcessStartInfo("bash") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"trap '' XFSZ; export DOTNET_EnableWriteXorExecute=0 DOTNET_GCHeapHardLimit=0x10000000; ulimit -f 512; exec dotnet '{FetchDll}' '{Url("/file.bin?whole=1")}' -o capped.bin");
        using (var process = Process.Start(start)!)
        {
            string output = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 1, output);
            Assert.True(output.Contains("could not be written", StringComparison.Ordinal), output);
            Assert.Contains("continue with --continue", output, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(Path.Combine(_dir, "capped.bin")));
        var (code, resumed) = await FetchAsync(Url("/file.bin?whole=1").ToString(), "-o", "capped.bin", "--continue");
        Assert.True(code == 0, resumed);
        Assert.Equal(s_file, File.ReadAllBytes(Path.Combine(_dir, "capped.bin")));
    }

    [Fact]
    public async Task A_detached_background_download_is_collected_by_a_later_run()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "urlsessiond runs on Unix");
        try
        {
            var (code, output) = await FetchAsync(Url("/file.bin?whole=1").ToString(), "-o", "later.bin", "--background", "--detach");
            Assert.True(code == 0, output);
            Assert.Contains("handed to urlsessiond as task #1", output, StringComparison.Ordinal);

            (code, output) = await FetchAsync("--collect");
            Assert.True(code == 0, output);
            Assert.Contains($"#1 200 -> {Path.Combine(_dir, "later.bin")}", output, StringComparison.Ordinal);
            Assert.Equal(s_file, File.ReadAllBytes(Path.Combine(_dir, "later.bin")));
            Assert.Contains("nothing waiting", (await FetchAsync("--collect")).Output, StringComparison.Ordinal);

            (code, output) = await FetchAsync(Url("/file.bin?whole=1").ToString(), "-o", "live.bin", "--background");
            Assert.True(code == 0, output);
            Assert.Equal(s_file, File.ReadAllBytes(Path.Combine(_dir, "live.bin")));
        }
        finally
        {
            // The daemon fetch started on demand belongs to this test.
            foreach (var daemon in Process.GetProcessesByName("dotnet").Where(p => IsOurDaemon(p.Id)))
                daemon.Kill();
        }
    }

    private bool IsOurDaemon(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Contains(Path.Combine(_dir, "daemon-state"), StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Interrupt(int pid, int signal);
}

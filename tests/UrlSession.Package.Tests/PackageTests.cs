using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace UrlLoading.Package.Tests;

public sealed class PackageTests(PackedPackage package)
{
    [Fact]
    public void The_package_holds_the_runtime_in_lib_and_the_roslyn_components_in_analyzers()
    {
        var entries = package.PackageEntries();
        Assert.Contains("lib/net10.0/UrlSession.dll", entries);
        Assert.Contains("lib/net10.0/UrlSession.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/UrlSession.Generators.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/UrlSession.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/UrlSession.CodeFixes.dll", entries);
        Assert.Equal(3, entries.Count(e => e.StartsWith("analyzers/", StringComparison.Ordinal)));
        // The Roslyn components are not dependencies of consumers.
        Assert.DoesNotContain("UrlSession.Generators", package.Nuspec(), StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft.CodeAnalysis", package.Nuspec(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consumer_built_from_the_package_runs_a_data_task_through_its_generated_delegate()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/", () => "from the loopback server");
        await app.StartAsync(TestContext.Current.CancellationToken);

        string dir = package.CreateConsumer("Consumer", """
            using UrlLoading;

            var consumer = new Consumer();
            await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, consumer);
            session.DataTask(new Uri(args[0])).Resume();
            await consumer.Done.Task;

            [UrlSessionDelegate]
            partial class Consumer
            {
                public TaskCompletionSource Done { get; } = new();
                void DidReceiveData(ReadOnlyMemory<byte> data) => Console.WriteLine($"DidReceiveData {System.Text.Encoding.UTF8.GetString(data.Span)}");
                void DidCompleteWithError(UrlSessionTask task, UrlError? error)
                {
                    Console.WriteLine($"DidCompleteWithError {(error is null ? "none" : error.Code.ToString())}");
                    Done.SetResult();
                }
            }
            """);
        var (code, output) = await package.DotnetAsync(dir, $"run -- {app.Urls.First()}");
        Assert.True(code == 0, output);
        Assert.True(output.Contains("DidReceiveData from the loopback server", StringComparison.Ordinal), output);
        Assert.True(output.Contains("DidCompleteWithError none", StringComparison.Ordinal), output);
        Assert.False(output.Contains("warning US", StringComparison.Ordinal), output);
    }

    [Fact]
    public async Task A_consumer_that_misuses_the_API_gets_every_rule_in_its_build_output()
    {
        string dir = package.CreateConsumer("MustWarn", """
            using UrlLoading;

            var uploads = UrlSessionConfiguration.Background("com.example.transfers");
            var downloads = UrlSessionConfiguration.Background("com.example.transfers");
            UrlSession.Shared.DataTask(new Uri("http://127.0.0.1/"));
            var perRun = UrlSessionConfiguration.Background(Guid.NewGuid().ToString());
            var background = new UrlSession(uploads, new Downloads());
            background.DataTask(new Uri("http://127.0.0.1/")).Resume();
            await background.DownloadAsync(new Uri("http://127.0.0.1/"));
            var configuration = UrlSessionConfiguration.Default;
            var session = new UrlSession(configuration);
            configuration.HttpAdditionalHeaders["Host"] = "example.com";
            session.InvalidateAndCancel();
            session.DataTask(new Uri("http://127.0.0.1/")).Resume();
            var insecure = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            foreach (var url in new[] { new Uri("http://127.0.0.1/a") }) { var perUrl = new HttpClient(); }
            var (image, _) = await session.DataAsync(new Uri("http://127.0.0.1/image.iso"));
            var uploader = new UrlSession(UrlSessionConfiguration.Default, new Careless());
            uploader.UploadTask(new UrlRequest(new Uri("http://127.0.0.1/")) { HttpMethod = "POST" }).Resume();
            configuration.BackgroundLaunchCommand = "/bin/true";
            configuration.IsDiscretionary = true;
            configuration.UrlCache = new UrlCache(1 << 20, 1 << 20, null);
            uploader.UploadTask(new UrlRequest(new Uri("http://127.0.0.1/")) { HttpMethod = "POST", HttpBody = new byte[] { 1 } }, new byte[] { 2 }).Resume();

            [UrlSessionDelegate]
            class NotPartial { }

            class Outer
            {
                [UrlSessionDelegate]
                partial class Inner { }
            }

            [UrlSessionDelegate]
            partial class WrongSignature
            {
                void DidReceiveData(UrlSessionDataTask task, byte[] data) { }
            }

            [UrlSessionDelegate]
            partial class Twice
            {
                void DidCompleteWithError(UrlSessionTask task, UrlError? error) { }
                void DidCompleteWithError(UrlError? error) { }
            }

            [UrlSessionDelegate]
            static partial class Helpers { }

            [UrlSessionDelegate]
            partial class Downloads
            {
                void DidFinishDownloading(UrlSessionDownloadTask task, string location) { }
            }

            [UrlSessionDelegate]
            partial class Careless
            {
                void DidFinishDownloading(UrlSessionDownloadTask task, string location) => File.Move(location, "/tmp/report.pdf", overwrite: true);
                void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler)
                {
                    completionHandler(ResponseDisposition.Allow);
                    completionHandler(ResponseDisposition.Cancel);
                }
                void WillPerformHttpRedirection(HttpUrlResponse response, UrlRequest newRequest, Action<UrlRequest?> completionHandler) { }
                void DidReceiveData(ReadOnlyMemory<byte> data) => Thread.Sleep(1);
                (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge) =>
                    challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic
                        ? (AuthChallengeDisposition.UseCredential, new UrlCredential("ada", "lovelace"))
                        : (AuthChallengeDisposition.CancelAuthenticationChallenge, null);
                void DidCompleteWithError(UrlSessionTask task, UrlError? error) => task.Resume();
            }

            [UrlSessionDelegate]
            partial class NearMiss
            {
                void URLSessionDidFinishEventsForBackgroundURLSession() { }
            }

            [UrlSessionDelegate]
            partial class Screen(System.Windows.Forms.Label status)
            {
                void DidWriteData(long totalBytesWritten) => status.Text = totalBytesWritten.ToString();
                void DidFinishDownloading(UrlSessionDownloadTask task, string location)
                {
                    if (task.Response is HttpUrlResponse { StatusCode: 200 })
                        File.Move(location, "/tmp/report.pdf", overwrite: true);
                }
                void DidCompleteWithError(UrlError? error) => Console.WriteLine(error?.Message);
            }

            namespace System.Windows.Forms
            {
                public class Control { public string Text { get; set; } = ""; }
                public class Label : Control { }
            }
            """);
        // Information rules do not show in build output; this consumer raises them to warnings.
        File.WriteAllText(Path.Combine(dir, ".editorconfig"), "root = true\n[*.cs]\n"
            + string.Concat(ReleasedRules().Where(r => r.Severity == "Info").Select(r => $"dotnet_diagnostic.{r.Id}.severity = warning\n")));
        var (code, output) = await package.DotnetAsync(dir, "build --no-incremental");
        // US1002 and US1003 are errors: the build fails, and reports every other rule beside them.
        Assert.True(code != 0, output);
        foreach (var (id, severity) in ReleasedRules())
        {
            string shown = severity == "Info" ? "warning" : severity.ToLowerInvariant();
            Assert.True(output.Contains($"{shown} {id}:", StringComparison.Ordinal), $"{id} ({severity}) missing from the build output:\n{output}");
        }
        Assert.True(output.Contains("Program.cs(3,50): warning US1001", StringComparison.Ordinal), output);
        Assert.True(output.Contains("Program.cs(4,52): warning US1001", StringComparison.Ordinal), output);
        Assert.True(output.Contains("Program.cs(5,1): warning US3001", StringComparison.Ordinal), output);
        Assert.True(output.Contains("Program.cs(6,49): warning US1004", StringComparison.Ordinal), output);
        Assert.True(output.Contains("Program.cs(8,1): error US1003", StringComparison.Ordinal), output);
        Assert.True(output.Contains("Program.cs(12,37): warning US4002", StringComparison.Ordinal), output);
        Assert.True(output.Contains("Program.cs(14,1): warning US3002", StringComparison.Ordinal), output);
        Assert.True(output.Contains("Program.cs(15,84): warning US5001", StringComparison.Ordinal), output);
    }

    /// <summary>Every rule the analyzers release, with its default severity, from AnalyzerReleases.Unshipped.md.</summary>
    private static IEnumerable<(string Id, string Severity)> ReleasedRules() =>
        File.ReadLines(Path.Combine(PackedPackage.RepositoryRoot, "src", "UrlSession.Analyzers", "AnalyzerReleases.Unshipped.md"))
            .Where(line => line.StartsWith("US", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .Select(parts => (parts[0], parts[2]));

    [Fact]
    public async Task Severity_is_configurable_in_editorconfig()
    {
        string dir = package.CreateConsumer("Configured", """
            [UrlLoading.UrlSessionDelegate]
            partial class WrongSignature
            {
                void DidReceiveData(int data) { }
            }
            """);
        File.WriteAllText(Path.Combine(dir, ".editorconfig"), "root = true\n[*.cs]\ndotnet_diagnostic.US2403.severity = error\n");
        var (code, output) = await package.DotnetAsync(dir, "build --no-incremental");
        Assert.NotEqual(0, code);
        Assert.True(output.Contains("error US2403", StringComparison.Ordinal), output);
    }
}

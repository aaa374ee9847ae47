using System.Diagnostics;
using System.Runtime.InteropServices;

namespace UrlLoading.Package.Tests;

/// <summary>samples/Aot published with NativeAOT and full trimming: no warnings, and it runs a data task and a download.</summary>
public sealed class AotTests(PackedPackage package)
{
    [Fact]
    public async Task The_NativeAOT_sample_publishes_without_warnings_and_runs_both_tasks()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64, "publishes for linux-x64");
        string output = Directory.CreateTempSubdirectory("urlsession-aot-").FullName;
        try
        {
            var (code, log) = await package.DotnetAsync(Path.Combine(PackedPackage.RepositoryRoot, "samples", "Aot"), $"publish -c Release -r linux-x64 -o {output}");
            Assert.True(code == 0, log);
            var warnings = log.Split('\n').Where(l => l.Contains("warning", StringComparison.OrdinalIgnoreCase) && !l.Contains("NU1603", StringComparison.Ordinal)).ToList();
            Assert.True(warnings.Count == 0, string.Join('\n', warnings));

            string binary = Path.Combine(output, "aot-sample");
            using var run = Process.Start(new ProcessStartInfo(binary) { RedirectStandardOutput = true })!;
            string[] lines = (await run.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            await run.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, run.ExitCode);
            string expectedHash = lines[^1]["expected sha256 ".Length..];
            Assert.Equal(
                ["response 200, 38 bytes expected", "data: \"hello from a NativeAOT loopback server\"", "task 1 complete: ok", $"download 200: 262144 bytes, sha256 {expectedHash}", "task 2 complete: ok"],
                lines[..^1]);
            TestContext.Current.SendDiagnosticMessage($"aot-sample: {new FileInfo(binary).Length:N0} bytes");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}

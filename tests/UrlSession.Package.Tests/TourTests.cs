namespace UrlLoading.Package.Tests;

/// <summary>The README's first command must keep working: the tour runs against its embedded loopback server.</summary>
public sealed class TourTests(PackedPackage package)
{
    [Fact]
    public async Task The_tour_runs_every_step_to_completion()
    {
        string tour = Path.Combine(PackedPackage.RepositoryRoot, "samples", "Tour");
        // Built with this test project (a project reference): a build here, under the package tests' private NuGet
        // folder, would restore and rewrite urlsessiond's outputs while the daemon tests run it.
        var (code, output) = await package.DotnetAsync(tour, "run --no-build");
        Assert.True(code == 0, output);
        foreach (string expected in new[]
        {
            "DidReceiveResponse      200 application/octet-stream, 65536 bytes expected",
            "completion handler: 200 \"Hello from the loopback server\"",
            "WillPerformHttpRedirection  302 -> /hello",
            "server saw: cookie header: tour=visited",
            "/logo: \"logo, request 1 to the server\" (from the cache, Age ",
            "urlsessiond list: Tour tour.background (closed, 1 task(s), 2 undelivered event(s))",
            "/news: \"news, request 1 to the server\", the server has now seen 2 request(s): it answered 304, the body came from the cache",
            "realm \"tour\", 0 failure(s) so far -> UseCredential",
            "got \"the private page\"",
            "refused: ServerCertificateUntrusted (-1202)",
            "DidCompleteWithError    Cancelled (-999)",
            "DidFinishDownloading        3,145,728 bytes",
            "DidBecomeInvalid",
            "[other process] started task #1 and exits now",
            "re-created the session; the daemon still holds task #1 \"quarterly report\"",
            "DidFinishDownloading        #1 \"quarterly report\": 3,145,728 bytes, handed over by urlsessiond",
            "DidFinishEventsForBackgroundSession: every missed event delivered, once",
            "Tour complete.",
        })
            Assert.True(output.Contains(expected, StringComparison.Ordinal), $"missing \"{expected}\" in:\n{output}");
        // The cancelled download continues from a non-zero offset: a real resume, not a restart.
        Assert.Matches(@"DidResumeAtOffset +continuing at [1-9][\d,]* of 3,145,728 bytes", output);
    }
}

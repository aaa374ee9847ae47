using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Background.NonDeterministicBackgroundIdentifierAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Background;

public sealed class NonDeterministicBackgroundIdentifierAnalyzerTests
{
    private static string Method(string body) => $$"""
        using System;
        using UrlLoading;

        static class Sessions
        {
            static UrlSessionConfiguration Create(string tenant)
            {
                {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("return UrlSessionConfiguration.Background({|#0:Guid.NewGuid().ToString()|});", "Guid.NewGuid")]
    [InlineData("return UrlSessionConfiguration.Background({|#0:$\"downloads-{DateTime.Now.Ticks}\"|});", "DateTime.Ticks")]
    [InlineData("var id = \"dl-\" + Random.Shared.Next(); return UrlSessionConfiguration.Background({|#0:id|});", "Random.Next")]
    [InlineData("var stamp = Environment.TickCount64; var id = $\"dl-{stamp}\"; return UrlSessionConfiguration.Background({|#0:id|});", "Environment.TickCount64")]
    public Task An_identifier_that_changes_on_every_run_is_reported(string body, string source) =>
        Verify.AnalyzeAsync(Method(body), Verify.Diagnostic("US1004").WithLocation(0).WithArguments(source));

    [Theory]
    [InlineData("return UrlSessionConfiguration.Background(\"com.example.downloads\");")]
    [InlineData("return UrlSessionConfiguration.Background($\"com.example.downloads.{tenant}\");")]
    [InlineData("var id = \"com.example.\" + tenant; return UrlSessionConfiguration.Background(id);")]
    public Task A_stable_identifier_is_not_reported(string body) => Verify.AnalyzeAsync(Method(body));
}

using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Background.ReusedBackgroundIdentifierAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Background;

public sealed class ReusedBackgroundIdentifierAnalyzerTests
{
    [Fact]
    public Task The_same_identifier_in_two_files_is_reported_at_both_sites_with_the_other_as_additional_location() => Verify.AnalyzeAsync(
        [
            """
            using UrlLoading;
            static class Uploads
            {
                public static UrlSessionConfiguration Create() => UrlSessionConfiguration.Background({|#0:"com.example.transfers"|});
            }
            """,
            """
            using UrlLoading;
            static class Downloads
            {
                const string Id = "com.example." + "transfers";
                public static UrlSessionConfiguration Create() => UrlSessionConfiguration.Background({|#1:Id|});
            }
            """,
        ],
        Verify.Diagnostic("US1001").WithLocation(0).WithLocation(1).WithArguments("com.example.transfers", "File1.cs(5,90)"),
        Verify.Diagnostic("US1001").WithLocation(1).WithLocation(0).WithArguments("com.example.transfers", "File0.cs(4,90)"));

    [Fact]
    public Task Distinct_identifiers_and_non_constant_identifiers_are_not_reported() => Verify.AnalyzeAsync("""
        using UrlLoading;
        static class Sessions
        {
            static UrlSessionConfiguration A() => UrlSessionConfiguration.Background("com.example.a");
            static UrlSessionConfiguration B() => UrlSessionConfiguration.Background("com.example.b");
            static UrlSessionConfiguration C(string id) => UrlSessionConfiguration.Background(id);
            static UrlSessionConfiguration D(string id) => UrlSessionConfiguration.Background(id);
        }
        """);

    [Fact]
    public void The_rule_is_tagged_CompilationEnd_because_it_needs_the_whole_compilation() =>
        Assert.Contains(Microsoft.CodeAnalysis.WellKnownDiagnosticTags.CompilationEnd, DiagnosticDescriptors.ReusedBackgroundIdentifier.CustomTags);
}

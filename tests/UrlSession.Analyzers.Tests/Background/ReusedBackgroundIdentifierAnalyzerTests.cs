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
    public Task Two_sites_in_one_method_that_both_run_are_reported() => Verify.AnalyzeAsync("""
        using UrlLoading;
        static class Sessions
        {
            static void Open(IUrlSessionDelegate events)
            {
                var uploads = new UrlSession(UrlSessionConfiguration.Background({|#0:"com.example.bg"|}), events);
                var downloads = new UrlSession(UrlSessionConfiguration.Background({|#1:"com.example.bg"|}), events);
            }
        }
        """,
        Verify.Diagnostic("US1001").WithLocation(0).WithLocation(1).WithArguments("com.example.bg", "File0.cs(7,75)"),
        Verify.Diagnostic("US1001").WithLocation(1).WithLocation(0).WithArguments("com.example.bg", "File0.cs(6,73)"));

    [Fact]
    public Task Two_relaunch_handlers_that_re_create_the_same_session_are_reported() => Verify.AnalyzeAsync("""
        using UrlLoading;
        static class Relaunch
        {
            static UrlSession A(UrlSessionBackgroundLaunch launch, IUrlSessionDelegate d) => new(UrlSessionConfiguration.Background({|#0:"com.example.bg"|}), d);
            static UrlSession B(UrlSessionBackgroundLaunch launch, IUrlSessionDelegate d) => new(UrlSessionConfiguration.Background({|#1:"com.example.bg"|}), d);
        }
        """,
        Verify.Diagnostic("US1001").WithLocation(0).WithLocation(1).WithArguments("com.example.bg", "File0.cs(5,125)"),
        Verify.Diagnostic("US1001").WithLocation(1).WithLocation(0).WithArguments("com.example.bg", "File0.cs(4,125)"));

    [Theory]
    // Apple's Listings 1-2 and 1-9: the session made at launch, and made again when the system relaunches the app.
    [InlineData("""
        static UrlSession AtLaunch(IUrlSessionDelegate d) => new(UrlSessionConfiguration.Background("com.example.bg"), d);
        static UrlSession OnRelaunch(UrlSessionBackgroundLaunch launch, IUrlSessionDelegate d) => new(UrlSessionConfiguration.Background("com.example.bg"), d);
        """)]
    [InlineData("""
        static UrlSession AtLaunch(IUrlSessionDelegate d) => new(UrlSessionConfiguration.Background("com.example.bg"), d);
        static void Main(IUrlSessionDelegate d)
        {
            if (UrlSessionBackgroundLaunch.Current is { } launch)
                _ = new UrlSession(UrlSessionConfiguration.Background("com.example.bg"), d);
        }
        """)]
    [InlineData("""
        static UrlSession Open(bool uploads, IUrlSessionDelegate d) => uploads
            ? new(UrlSessionConfiguration.Background("com.example.bg"), d)
            : new(UrlSessionConfiguration.Background("com.example.bg"), d);
        """)]
    [InlineData("""
        static UrlSessionConfiguration Open(int kind)
        {
            switch (kind)
            {
                case 0: return UrlSessionConfiguration.Background("com.example.bg");
                default: return UrlSessionConfiguration.Background("com.example.bg");
            }
        }
        """)]
    public Task Sites_on_paths_that_never_run_together_are_not_reported(string members) => Verify.AnalyzeAsync($$"""
        using UrlLoading;
        static class Sessions
        {
        {{members}}
        }
        """);

    [Fact]
    public void The_rule_is_tagged_CompilationEnd_because_it_needs_the_whole_compilation() =>
        Assert.Contains(Microsoft.CodeAnalysis.WellKnownDiagnosticTags.CompilationEnd, DiagnosticDescriptors.ReusedBackgroundIdentifier.CustomTags);
}

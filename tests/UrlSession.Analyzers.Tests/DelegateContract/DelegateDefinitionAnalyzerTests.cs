using UrlLoading.Analyzers.DelegateContract;
using UrlLoading.CodeFixes.DelegateContract;
using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.DelegateDefinitionAnalyzer>;

namespace UrlLoading.Analyzers.Tests.DelegateContract;

public sealed class DelegateDefinitionAnalyzerTests
{
    [Fact]
    public Task A_delegate_class_that_is_not_partial_is_reported_on_its_name() => Verify.AnalyzeAsync("""
        using UrlLoading;
        [UrlSessionDelegate]
        public sealed class {|#0:Downloads|}
        {
        }
        """, Verify.Diagnostic("US2401").WithLocation(0).WithArguments("Downloads"));

    [Fact]
    public Task The_fix_makes_the_class_partial() => Verify.FixAsync<MakePartialCodeFix>("""
        using UrlLoading;
        [UrlSessionDelegate]
        public sealed class {|#0:Downloads|}
        {
        }
        """, """
        using UrlLoading;
        [UrlSessionDelegate]
        public sealed partial class Downloads
        {
        }
        """, Verify.Diagnostic("US2401").WithLocation(0).WithArguments("Downloads"));

    [Fact]
    public Task Fix_All_makes_every_delegate_class_partial() => Verify.FixAsync<MakePartialCodeFix>("""
        using UrlLoading;
        [UrlSessionDelegate]
        public sealed class {|#0:Downloads|} { }
        [UrlSessionDelegate]
        internal class {|#1:Uploads|} { }
        """, """
        using UrlLoading;
        [UrlSessionDelegate]
        public sealed partial class Downloads { }
        [UrlSessionDelegate]
        internal partial class Uploads { }
        """, Verify.Diagnostic("US2401").WithLocation(0).WithArguments("Downloads"), Verify.Diagnostic("US2401").WithLocation(1).WithArguments("Uploads"));

    [Fact]
    public Task The_fix_works_on_a_class_without_modifiers() => Verify.FixAsync<MakePartialCodeFix>("""
        [UrlLoading.UrlSessionDelegate]
        class {|#0:Downloads|} { }
        """, """
        [UrlLoading.UrlSessionDelegate]
        partial class Downloads { }
        """, Verify.Diagnostic("US2401").WithLocation(0).WithArguments("Downloads"));

    [Fact]
    public Task An_enclosing_type_that_is_not_partial_is_reported_and_fixed() => Verify.FixAsync<MakePartialCodeFix>("""
        using UrlLoading;
        public static class Outer
        {
            [UrlSessionDelegate]
            internal partial class {|#0:Inner|} { }
        }
        """, """
        using UrlLoading;
        public static partial class Outer
        {
            [UrlSessionDelegate]
            internal partial class Inner { }
        }
        """, Verify.Diagnostic("US2402").WithLocation(0).WithArguments("Outer", "Inner"));

    [Fact]
    public Task A_static_class_cannot_be_a_delegate() => Verify.AnalyzeAsync("""
        [UrlLoading.UrlSessionDelegate]
        static partial class {|#0:Helpers|} { }
        """, Verify.Diagnostic("US2405").WithLocation(0).WithArguments("Helpers", "a static class has no instance to pass to a session; remove 'static'"));

    [Fact]
    public Task A_callback_named_method_with_a_wrong_signature_is_reported_on_the_method() => Verify.AnalyzeAsync("""
        using System;
        using UrlLoading;
        [UrlSessionDelegate]
        partial class Downloads
        {
            void {|#0:DidReceiveData|}(UrlSessionDataTask task, byte[] data) { }
            int {|#1:DidCompleteWithError|}(UrlSessionTask task, UrlError? error) => 0;
            void {|#2:WillPerformHttpRedirection|}(UrlSessionTask task, HttpUrlResponse response, UrlRequest next) { }
        }
        """,
        Verify.Diagnostic("US2403").WithLocation(0).WithArguments("DidReceiveData", Matching.Signatures("DidReceiveData")),
        Verify.Diagnostic("US2403").WithLocation(1).WithArguments("DidCompleteWithError", Matching.Signatures("DidCompleteWithError")),
        Verify.Diagnostic("US2403").WithLocation(2).WithArguments("WillPerformHttpRedirection", Matching.Signatures("WillPerformHttpRedirection")));

    [Fact]
    public Task Every_accepted_form_is_silent() => Verify.AnalyzeAsync("""
        using System;
        using System.IO;
        using System.Threading.Tasks;
        using UrlLoading;
        [UrlSessionDelegate]
        partial class Fine
        {
            void DidReceiveData(ReadOnlyMemory<byte> data) { }
            Task DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error) => Task.CompletedTask;
            ValueTask<UrlRequest?> WillPerformHttpRedirection(UrlSessionTask task, HttpUrlResponse response, UrlRequest newRequest) => new(newRequest);
            void DidReceiveResponse(UrlSessionDataTask task, UrlResponse response, Action<ResponseDisposition> completionHandler) => completionHandler(ResponseDisposition.Allow);
            (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge) => (AuthChallengeDisposition.PerformDefaultHandling, null);
            Task<(AuthChallengeDisposition, UrlCredential?)> DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge) => Task.FromResult((AuthChallengeDisposition.PerformDefaultHandling, (UrlCredential?)null));
            Stream? NeedNewBodyStream(object task) => null;
            void DidWriteData(long totalBytesWritten) { }
            void NotACallback(int x) { }
        }
        """);

    [Fact]
    public Task A_second_method_for_the_same_callback_is_reported() => Verify.AnalyzeAsync("""
        using UrlLoading;
        [UrlSessionDelegate]
        partial class Twice
        {
            void DidCompleteWithError(UrlSessionTask task, UrlError? error) { }
            void {|#0:DidCompleteWithError|}(UrlError? error) { }
        }
        """, Verify.Diagnostic("US2404").WithLocation(0).WithArguments("DidCompleteWithError"));

    [Fact]
    public Task Classes_without_the_attribute_are_ignored() => Verify.AnalyzeAsync("""
        class Plain
        {
            void DidReceiveData(int wrong) { }
        }
        """);

    [Fact]
    public Task Nothing_is_reported_when_the_runtime_is_not_referenced()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<DelegateDefinitionAnalyzer, Microsoft.CodeAnalysis.Testing.DefaultVerifier>
        {
            TestCode = """
                [UrlSessionDelegate]
                class Lookalike { void DidReceiveData(int wrong) { } }
                class UrlSessionDelegateAttribute : System.Attribute { }
                """,
        };
        test.TestState.ReferenceAssemblies = new Microsoft.CodeAnalysis.Testing.ReferenceAssemblies("net10.0");
        test.TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net100.References.All);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    private static class Matching
    {
        public static string Signatures(string name) => UrlLoading.Roslyn.CallbackMatcher.DescribeSignatures(name);
    }
}

using UrlLoading.CodeFixes.DelegateContract;
using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.CompletionHandlerAnalyzer>;

namespace UrlLoading.Analyzers.Tests.DelegateContract;

public sealed class CompletionHandlerAnalyzerTests
{
    private static string Delegate(string members) => $$"""
        using System;
        using System.Threading.Tasks;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Handlers
        {
            private Action<ResponseDisposition>? _later;
            private static bool Wanted(UrlResponse response) => response is HttpUrlResponse { StatusCode: 200 };
        {{members}}
        }
        """;

    [Theory]
    [InlineData("void {|#0:DidReceiveResponse|}(UrlResponse response, Action<ResponseDisposition> completionHandler) { }")]
    [InlineData("void {|#0:DidReceiveResponse|}(UrlResponse response, Action<ResponseDisposition> completionHandler) { if (Wanted(response)) completionHandler(ResponseDisposition.Allow); }")]
    [InlineData("void {|#0:DidReceiveResponse|}(UrlResponse response, Action<ResponseDisposition> completionHandler) { if (!Wanted(response)) return; completionHandler(ResponseDisposition.Allow); }")]
    [InlineData("void {|#0:DidReceiveResponse|}(UrlResponse response, Action<ResponseDisposition> completionHandler) { switch (response) { case HttpUrlResponse { StatusCode: 200 }: completionHandler(ResponseDisposition.Allow); break; case HttpUrlResponse { StatusCode: 404 }: completionHandler(ResponseDisposition.Cancel); break; } }")]
    public Task A_path_that_returns_without_calling_the_handler_is_reported_on_the_method(string method) =>
        Verify.AnalyzeAsync(Delegate(method), Verify.Diagnostic("US2101").WithLocation(0).WithArguments("DidReceiveResponse", "completionHandler", "ResponseDisposition.Allow"));

    [Fact]
    public Task A_challenge_handler_that_answers_only_the_methods_it_knows_is_reported() => Verify.AnalyzeAsync(Delegate("""
            void {|#0:DidReceiveChallenge|}(UrlSessionTask task, UrlAuthenticationChallenge challenge, Action<AuthChallengeDisposition, UrlCredential?> completionHandler)
            {
                if (challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic)
                    completionHandler(AuthChallengeDisposition.UseCredential, new UrlCredential("ada", "lovelace"));
            }
        """), Verify.Diagnostic("US2101").WithLocation(0).WithArguments("DidReceiveChallenge", "completionHandler", "(AuthChallengeDisposition.PerformDefaultHandling, null)"));

    [Theory]
    [InlineData("void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler) => completionHandler(ResponseDisposition.Allow);")]
    [InlineData("void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler) { if (Wanted(response)) completionHandler(ResponseDisposition.Allow); else completionHandler(ResponseDisposition.Cancel); }")]
    [InlineData("void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler) { if (response is null) throw new InvalidOperationException(); completionHandler(ResponseDisposition.Allow); }")]
    [InlineData("void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler) => _later = completionHandler;")]
    [InlineData("void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler) => Task.Run(() => completionHandler(ResponseDisposition.Allow));")]
    [InlineData("void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler) { if (Wanted(response)) { completionHandler(ResponseDisposition.Allow); return; } completionHandler(ResponseDisposition.Cancel); }")]
    [InlineData("ResponseDisposition DidReceiveResponse(UrlResponse response) => ResponseDisposition.Allow;")]
    public Task Every_path_calling_or_handing_on_the_handler_once_is_not_reported(string method) => Verify.AnalyzeAsync(Delegate(method));

    [Theory]
    [InlineData("void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler) { completionHandler(ResponseDisposition.Allow); {|#0:completionHandler(ResponseDisposition.Cancel)|}; }")]
    [InlineData("void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler) { if (!Wanted(response)) completionHandler(ResponseDisposition.Cancel); {|#0:completionHandler(ResponseDisposition.Allow)|}; }")]
    public Task A_second_call_on_a_path_is_reported_where_it_happens(string method) =>
        Verify.AnalyzeAsync(Delegate(method), Verify.Diagnostic("US2102").WithLocation(0).WithArguments("completionHandler"));

    [Fact]
    public Task The_fix_returns_after_the_earlier_call() => Verify.FixAsync<ReturnAfterHandlerCodeFix>(
        Delegate("""
                void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler)
                {
                    if (!Wanted(response))
                        completionHandler(ResponseDisposition.Cancel);
                    {|#0:completionHandler(ResponseDisposition.Allow)|};
                }
            """),
        Delegate("""
                void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler)
                {
                    if (!Wanted(response))
                    {
                        completionHandler(ResponseDisposition.Cancel);
                        return;
                    }
                    completionHandler(ResponseDisposition.Allow);
                }
            """),
        Verify.Diagnostic("US2102").WithLocation(0).WithArguments("completionHandler"));
}

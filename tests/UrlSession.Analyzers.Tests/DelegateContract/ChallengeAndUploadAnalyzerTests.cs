using UrlLoading.CodeFixes.DelegateContract;
using ChallengeVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.ChallengeFallbackAnalyzer>;
using UploadVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.StreamedUploadAnalyzer>;

namespace UrlLoading.Analyzers.Tests.DelegateContract;

public sealed class ChallengeAndUploadAnalyzerTests
{
    private static string Challenges(string members) => $$"""
        using System;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Challenges
        {
            private readonly UrlCredential _credential = new("ada", "lovelace");
        {{members}}
        }
        """;

    [Fact]
    public Task Cancelling_the_methods_a_handler_does_not_handle_is_reported_and_fixed() => ChallengeVerify.FixAsync<DefaultHandlingCodeFix>(
        Challenges("""
                (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge) =>
                    challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic
                        ? (AuthChallengeDisposition.UseCredential, _credential)
                        : ({|#0:AuthChallengeDisposition.CancelAuthenticationChallenge|}, null);
            """),
        Challenges("""
                (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge) =>
                    challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic
                        ? (AuthChallengeDisposition.UseCredential, _credential)
                        : (AuthChallengeDisposition.PerformDefaultHandling, null);
            """),
        ChallengeVerify.Diagnostic("US2103").WithLocation(0).WithArguments("DidReceiveChallenge"));

    [Fact]
    public Task A_completion_handler_form_that_cancels_in_its_else_branch_is_reported() => ChallengeVerify.AnalyzeAsync(Challenges("""
            void DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge, Action<AuthChallengeDisposition, UrlCredential?> completionHandler)
            {
                if (challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic)
                    completionHandler(AuthChallengeDisposition.UseCredential, _credential);
                else
                    completionHandler({|#0:AuthChallengeDisposition.CancelAuthenticationChallenge|}, null);
            }
        """), ChallengeVerify.Diagnostic("US2103").WithLocation(0).WithArguments("DidReceiveChallenge"));

    [Theory]
    [InlineData("(AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge) => (AuthChallengeDisposition.CancelAuthenticationChallenge, null);")]
    [InlineData("(AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge) => challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic ? (AuthChallengeDisposition.UseCredential, _credential) : (AuthChallengeDisposition.PerformDefaultHandling, null);")]
    public Task Cancelling_everything_on_purpose_or_deferring_to_the_default_is_not_reported(string method) => ChallengeVerify.AnalyzeAsync(Challenges(method));

    private static string Uploads(string body) => $$"""
        using System;
        using System.IO;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Streams : IUrlSessionDelegate
        {
            Stream? NeedNewBodyStream() => new MemoryStream();
        }

        [UrlSessionDelegate]
        partial class NoStreams : IUrlSessionDelegate
        {
            void DidCompleteWithError(UrlError? error) { }
        }

        static class Work
        {
            static void Run(IUrlSessionDelegate unknown)
            {
                var request = new UrlRequest(new Uri("https://example.com/upload")) { HttpMethod = "POST" };
        {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new NoStreams()); {|#0:session.UploadTask(request)|}.Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); {|#0:session.UploadTask(request)|}.Resume();")]
    public Task A_streamed_upload_on_a_session_that_cannot_provide_the_body_is_reported(string body) =>
        UploadVerify.AnalyzeAsync(Uploads(body), UploadVerify.Diagnostic("US2301").WithLocation(0).WithArguments("session"));

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new Streams()); session.UploadTask(request).Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, unknown); session.UploadTask(request).Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new NoStreams()); session.UploadTask(request, new byte[] { 1 }).Resume();")]
    public Task A_delegate_with_NeedNewBodyStream_an_unknown_delegate_or_a_bytes_upload_is_not_reported(string body) => UploadVerify.AnalyzeAsync(Uploads(body));
}

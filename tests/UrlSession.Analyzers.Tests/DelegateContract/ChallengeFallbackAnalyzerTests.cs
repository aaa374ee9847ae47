using UrlLoading.CodeFixes.DelegateContract;
using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.ChallengeFallbackAnalyzer>;

namespace UrlLoading.Analyzers.Tests.DelegateContract;

public sealed class ChallengeFallbackAnalyzerTests
{
    private const string Answer = "(AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)";

    private static string Challenges(string members) => $$"""
        using System;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Challenges
        {
            private const string Pin = "AB12";
            private readonly UrlCredential _credential = new("ada", "lovelace");
            private static bool IsPinned(ServerTrust? trust) => trust?.Sha256Fingerprint == Pin;
        {{members}}
        }
        """;

    [Fact]
    public Task Cancelling_the_methods_a_handler_does_not_handle_is_reported_and_fixed() => Verify.FixAsync<DefaultHandlingCodeFix>(
        Challenges($$"""
                {{Answer}} =>
                    challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic
                        ? (AuthChallengeDisposition.UseCredential, _credential)
                        : ({|#0:AuthChallengeDisposition.CancelAuthenticationChallenge|}, null);
            """),
        Challenges($$"""
                {{Answer}} =>
                    challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic
                        ? (AuthChallengeDisposition.UseCredential, _credential)
                        : (AuthChallengeDisposition.PerformDefaultHandling, null);
            """),
        Verify.Diagnostic("US2103").WithLocation(0).WithArguments("DidReceiveChallenge"));

    [Fact]
    public Task Fix_All_replaces_the_fallback_of_the_session_and_the_task_handler() => Verify.FixAsync<DefaultHandlingCodeFix>(
        Challenges($$"""
                (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge)
                {
                    var method = challenge.ProtectionSpace.AuthenticationMethod;
                    if (method == UrlProtectionSpace.AuthenticationMethodHttpBasic)
                        return (AuthChallengeDisposition.UseCredential, _credential);
                    return ({|#0:AuthChallengeDisposition.CancelAuthenticationChallenge|}, null);
                }
                {{Answer}} => challenge.ProtectionSpace.AuthenticationMethod switch
                {
                    UrlProtectionSpace.AuthenticationMethodHttpDigest => (AuthChallengeDisposition.UseCredential, _credential),
                    _ => ({|#1:AuthChallengeDisposition.CancelAuthenticationChallenge|}, null),
                };
            """),
        Challenges($$"""
                (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge)
                {
                    var method = challenge.ProtectionSpace.AuthenticationMethod;
                    if (method == UrlProtectionSpace.AuthenticationMethodHttpBasic)
                        return (AuthChallengeDisposition.UseCredential, _credential);
                    return (AuthChallengeDisposition.PerformDefaultHandling, null);
                }
                {{Answer}} => challenge.ProtectionSpace.AuthenticationMethod switch
                {
                    UrlProtectionSpace.AuthenticationMethodHttpDigest => (AuthChallengeDisposition.UseCredential, _credential),
                    _ => (AuthChallengeDisposition.PerformDefaultHandling, null),
                };
            """),
        Verify.Diagnostic("US2103").WithLocation(0).WithArguments("DidReceiveChallenge"),
        Verify.Diagnostic("US2103").WithLocation(1).WithArguments("DidReceiveChallenge"));

    [Fact]
    public Task A_completion_handler_form_that_cancels_in_its_else_branch_is_reported() => Verify.AnalyzeAsync(Challenges("""
            void DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge, Action<AuthChallengeDisposition, UrlCredential?> completionHandler)
            {
                if (challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic)
                    completionHandler(AuthChallengeDisposition.UseCredential, _credential);
                else
                    completionHandler({|#0:AuthChallengeDisposition.CancelAuthenticationChallenge|}, null);
            }
        """), Verify.Diagnostic("US2103").WithLocation(0).WithArguments("DidReceiveChallenge"));

    [Fact]
    public Task The_default_section_of_a_switch_on_the_method_is_the_fallback() => Verify.AnalyzeAsync(Challenges($$"""
            {{Answer}}
            {
                switch (challenge.ProtectionSpace.AuthenticationMethod)
                {
                    case UrlProtectionSpace.AuthenticationMethodHttpBasic:
                        return (AuthChallengeDisposition.UseCredential, _credential);
                    default:
                        return ({|#0:AuthChallengeDisposition.CancelAuthenticationChallenge|}, null);
                }
            }
        """), Verify.Diagnostic("US2103").WithLocation(0).WithArguments("DidReceiveChallenge"));

    [Fact]
    public Task A_pinning_handler_that_cancels_every_other_method_too_is_reported_without_a_fix_that_would_drop_the_pin() =>
        Verify.NoFixAsync<DefaultHandlingCodeFix>(Challenges($$"""
                {{Answer}}
                {
                    var trust = challenge.ProtectionSpace.ServerTrust;
                    if (challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodServerTrust && trust?.Sha256Fingerprint == Pin)
                        return (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust));
                    return ({|#0:AuthChallengeDisposition.CancelAuthenticationChallenge|}, null);
                }
            """), Verify.Diagnostic("US2103").WithLocation(0).WithArguments("DidReceiveChallenge"));

    [Theory]
    // The pinning handler: default handling for every other method, cancel on a fingerprint mismatch.
    [InlineData("""
        {
            if (challenge.ProtectionSpace.AuthenticationMethod != UrlProtectionSpace.AuthenticationMethodServerTrust)
                return (AuthChallengeDisposition.PerformDefaultHandling, null);
            var trust = challenge.ProtectionSpace.ServerTrust!;
            if (trust.Sha256Fingerprint != Pin)
                return (AuthChallengeDisposition.CancelAuthenticationChallenge, null);
            return (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust));
        }
        """)]
    [InlineData("""
        => challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodServerTrust
            ? (challenge.ProtectionSpace.ServerTrust!.Evaluate() ? (AuthChallengeDisposition.PerformDefaultHandling, null) : (AuthChallengeDisposition.CancelAuthenticationChallenge, null))
            : (AuthChallengeDisposition.PerformDefaultHandling, null);
        """)]
    [InlineData("""
        {
            if (challenge.ProtectionSpace.AuthenticationMethod is not UrlProtectionSpace.AuthenticationMethodServerTrust)
                return (AuthChallengeDisposition.PerformDefaultHandling, null);
            return IsPinned(challenge.ProtectionSpace.ServerTrust)
                ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(challenge.ProtectionSpace.ServerTrust!))
                : (AuthChallengeDisposition.CancelAuthenticationChallenge, null);
        }
        """)]
    [InlineData("""
        {
            switch (challenge.ProtectionSpace.AuthenticationMethod)
            {
                case UrlProtectionSpace.AuthenticationMethodClientCertificate:
                    return (AuthChallengeDisposition.CancelAuthenticationChallenge, null);
                default:
                    return (AuthChallengeDisposition.PerformDefaultHandling, null);
            }
        }
        """)]
    [InlineData("""
        => challenge.ProtectionSpace.AuthenticationMethod switch
        {
            UrlProtectionSpace.AuthenticationMethodNtlm => (AuthChallengeDisposition.CancelAuthenticationChallenge, null),
            _ => (AuthChallengeDisposition.PerformDefaultHandling, null),
        };
        """)]
    [InlineData("""
        => challenge.ProtectionSpace.AuthenticationMethod != UrlProtectionSpace.AuthenticationMethodHttpBasic
            ? (AuthChallengeDisposition.PerformDefaultHandling, null)
            : challenge.PreviousFailureCount > 2 ? (AuthChallengeDisposition.CancelAuthenticationChallenge, null) : (AuthChallengeDisposition.UseCredential, _credential);
        """)]
    [InlineData("=> (AuthChallengeDisposition.CancelAuthenticationChallenge, null);")]
    [InlineData("=> challenge.ProtectionSpace.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodHttpBasic ? (AuthChallengeDisposition.UseCredential, _credential) : (AuthChallengeDisposition.PerformDefaultHandling, null);")]
    public Task A_cancel_guarded_by_a_trust_check_a_named_method_or_on_purpose_is_not_reported(string body) =>
        Verify.AnalyzeAsync(Challenges(Answer + "\n" + body));
}

using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Security.ServerTrustAcceptedAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Security;

public sealed class ServerTrustAcceptedAnalyzerTests
{
    private static string Code(string body) => $$"""
        using System;
        using System.Linq;
        using System.Net.Http;
        using System.Net.Security;
        using System.Security.Cryptography.X509Certificates;

        static class Insecure
        {
            static UrlLoading.UrlSession? s_unused;
            const string Pinned = "AB12";
            static bool AcceptAll(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) => true;
            static bool Strict(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) => errors == SslPolicyErrors.None;
            static RemoteCertificateValidationCallback CreateValidator() => (sender, certificate, chain, errors) => true;
            static RemoteCertificateValidationCallback CreateStrictValidator() => Strict;
            static void Run()
            {
        {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = {|#0:(_, _, _, _) => true|} };", "This certificate validation callback")]
    [InlineData("System.Net.ServicePointManager.ServerCertificateValidationCallback += {|#0:(sender, certificate, chain, errors) => true|};", "This certificate validation callback")]
    [InlineData("var stream = new SslStream(System.IO.Stream.Null, false, {|#0:AcceptAll|});", "This certificate validation callback")]
    [InlineData("var options = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = {|#0:CreateValidator()|} };", "This certificate validation callback")]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = {|#0:(_, _, _, errors) => errors == SslPolicyErrors.None || true|} };", "This certificate validation callback")]
    [InlineData("var handler = new HttpClientHandler(); handler.ServerCertificateCustomValidationCallback = {|#0:(_, _, _, errors) => { if (errors != SslPolicyErrors.None) Console.WriteLine(errors); return true; }|};", "This certificate validation callback")]
    [InlineData("var handler = new HttpClientHandler(); handler.ServerCertificateCustomValidationCallback = {|#0:(message, certificate, chain, errors) => { return true; }|};", "This certificate validation callback")]
    [InlineData("var handler = new SocketsHttpHandler(); handler.SslOptions.RemoteCertificateValidationCallback = {|#0:(sender, certificate, chain, errors) => true|};", "This certificate validation callback")]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = {|#0:HttpClientHandler.DangerousAcceptAnyServerCertificateValidator|} };", "'HttpClientHandler.DangerousAcceptAnyServerCertificateValidator'")]
    [InlineData("var stream = new SslStream(System.IO.Stream.Null, false, {|#0:(sender, certificate, chain, errors) => true|});", "This certificate validation callback")]
    public Task A_callback_that_accepts_every_certificate_is_reported(string body, string what) =>
        Verify.AnalyzeAsync(Code(body), Verify.Diagnostic("US5001").WithLocation(0).WithArguments(
            what + " accepts every server certificate without evaluating it"));

    [Theory]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = {|#0:(_, _, _, errors) => errors == SslPolicyErrors.None || errors == SslPolicyErrors.RemoteCertificateNameMismatch|} };",
        "a certificate issued for another host (RemoteCertificateNameMismatch)")]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = {|#0:(_, _, _, errors) => (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None|} };",
        "a certificate issued for another host (RemoteCertificateNameMismatch)")]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = {|#0:(_, certificate, chain, errors) => { if (errors == SslPolicyErrors.None) return true; if (certificate!.Subject == \"CN=localhost\" && chain!.ChainStatus.All(s => s.Status == X509ChainStatusFlags.UntrustedRoot)) return true; return false; }|} };",
        "any self-signed certificate (UntrustedRoot) without pinning it")]
    public Task A_callback_that_accepts_a_name_mismatch_or_any_self_signed_certificate_is_reported(string body, string what) =>
        Verify.AnalyzeAsync(Code(body), Verify.Diagnostic("US5001").WithLocation(0).WithArguments("This certificate validation callback accepts " + what));

    [Theory]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => errors == SslPolicyErrors.None || certificate?.GetCertHashString() == Pinned };")]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None };")]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => { if (certificate is null) return false; return true; } };")]
    [InlineData("var handler = new HttpClientHandler();")]
    [InlineData("var stream = new SslStream(System.IO.Stream.Null, false, Strict);")]
    [InlineData("var options = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = CreateStrictValidator() };")]
    [InlineData("System.Net.ServicePointManager.ServerCertificateValidationCallback += (sender, certificate, chain, errors) => errors == SslPolicyErrors.None;")]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, chain, errors) => errors == SslPolicyErrors.None || (chain!.ChainStatus.All(s => s.Status == X509ChainStatusFlags.UntrustedRoot) && certificate!.GetCertHashString() == Pinned) };")]
    [InlineData("var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, errors) => !errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && errors == SslPolicyErrors.None };")]
    public Task A_callback_that_looks_at_the_certificate_is_not_reported(string body) => Verify.AnalyzeAsync(Code(body));

    private static string Challenges(string method) => $$"""
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Trusting
        {
            private const string Pin = "AB12";
        {{method}}
        }
        """;

    [Fact]
    public Task Answering_server_trust_with_ForTrust_without_looking_at_it_is_reported() => Verify.AnalyzeAsync(Challenges("""
            (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge) =>
                challenge.ProtectionSpace.ServerTrust is { } trust
                    ? (AuthChallengeDisposition.UseCredential, {|#0:UrlCredential.ForTrust(trust)|})
                    : (AuthChallengeDisposition.PerformDefaultHandling, null);
        """), Verify.Diagnostic("US5001").WithLocation(0).WithArguments("Answering the server trust challenge with UrlCredential.ForTrust accepts every server certificate without evaluating it"));

    [Theory]
    [InlineData("trust.Sha256Fingerprint == Pin")]
    [InlineData("trust.Evaluate()")]
    public Task Pinning_or_evaluating_before_ForTrust_is_not_reported(string check) => Verify.AnalyzeAsync(Challenges($$"""
            (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge) =>
                challenge.ProtectionSpace.ServerTrust is { } trust && {{check}}
                    ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust))
                    : (AuthChallengeDisposition.PerformDefaultHandling, null);
        """));
}

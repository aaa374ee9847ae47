using ChangedVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Configuration.ConfigurationChangedAfterSessionAnalyzer>;
using HeaderVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Configuration.ReservedHeaderAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Configuration;

public sealed class ConfigurationAnalyzerTests
{
    private static string Code(string body) => $$"""
        using System;
        using UrlLoading;

        static class Setup
        {
            static UrlSessionConfiguration s_shared = UrlSessionConfiguration.Default;
            static void Run(bool flag)
            {
        {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("var configuration = UrlSessionConfiguration.Default; var session = new UrlSession(configuration); {|#0:configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(5)|};", "configuration", "TimeoutIntervalForRequest")]
    [InlineData("var configuration = UrlSessionConfiguration.Default; var session = new UrlSession(configuration); {|#0:configuration.HttpAdditionalHeaders[\"X-Api\"] = \"1\"|};", "configuration", "HttpAdditionalHeaders")]
    [InlineData("var configuration = UrlSessionConfiguration.Default; var session = new UrlSession(configuration); {|#0:configuration.HttpAdditionalHeaders.Add(\"X-Api\", \"1\")|};", "configuration", "HttpAdditionalHeaders")]
    [InlineData("var session = new UrlSession(s_shared); {|#0:s_shared.HttpMaximumConnectionsPerHost = 2|};", "s_shared", "HttpMaximumConnectionsPerHost")]
    public Task A_change_after_the_session_was_created_is_reported(string body, string name, string property) =>
        ChangedVerify.AnalyzeAsync(Code(body), ChangedVerify.Diagnostic("US4001").WithLocation(0).WithArguments($"The session created from '{name}' above keeps a copy of the configuration", property));

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); {|#0:session.Configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(3)|};", "session.Configuration", "TimeoutIntervalForRequest")]
    [InlineData("{|#0:UrlSession.Shared.Configuration.HttpAdditionalHeaders[\"X-Api\"] = \"1\"|};", "UrlSession.Shared.Configuration", "HttpAdditionalHeaders")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); {|#0:session.Configuration.HttpAdditionalHeaders.Add(\"X-Api\", \"1\")|};", "session.Configuration", "HttpAdditionalHeaders")]
    public Task A_change_through_the_copy_that_session_Configuration_returns_is_reported(string body, string copy, string property) =>
        ChangedVerify.AnalyzeAsync(Code(body), ChangedVerify.Diagnostic("US4001").WithLocation(0).WithArguments($"'{copy}' returns a copy of the session's configuration", property));

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); var timeout = session.Configuration.TimeoutIntervalForRequest; var copy = session.Configuration; copy.TimeoutIntervalForRequest = timeout; var second = new UrlSession(copy);")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); Console.WriteLine(session.Configuration.HttpAdditionalHeaders.Count);")]
    public Task Reading_session_Configuration_or_building_a_new_session_from_its_copy_is_not_reported(string body) => ChangedVerify.AnalyzeAsync(Code(body));

    [Theory]
    [InlineData("var configuration = UrlSessionConfiguration.Default; configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(5); var session = new UrlSession(configuration);")]
    [InlineData("var configuration = UrlSessionConfiguration.Default; var first = new UrlSession(configuration); configuration.HttpMaximumConnectionsPerHost = 2; var second = new UrlSession(configuration);")]
    [InlineData("var configuration = UrlSessionConfiguration.Default; var first = new UrlSession(configuration); configuration = UrlSessionConfiguration.Ephemeral; configuration.HttpMaximumConnectionsPerHost = 2;")]
    [InlineData("var configuration = UrlSessionConfiguration.Default; if (flag) { var session = new UrlSession(configuration); } else { configuration.HttpMaximumConnectionsPerHost = 2; }")]
    [InlineData("var configuration = UrlSessionConfiguration.Default; for (int i = 0; i < 2; i++) { var session = new UrlSession(configuration); configuration.HttpMaximumConnectionsPerHost = 2; }")]
    public Task Changes_that_reach_a_session_are_not_reported(string body) => ChangedVerify.AnalyzeAsync(Code(body));

    [Theory]
    [InlineData("UrlSessionConfiguration.Default.HttpAdditionalHeaders[{|#0:\"Authorization\"|}] = \"Bearer x\";", "Authorization")]
    [InlineData("UrlSessionConfiguration.Default.HttpAdditionalHeaders.Add({|#0:\"Host\"|}, \"example.com\");", "Host")]
    [InlineData("var request = new UrlRequest(new Uri(\"https://example.com\")) { HttpBody = new byte[] { 1 } }.WithHeader({|#0:\"Content-Length\"|}, \"10\");", "Content-Length")]
    [InlineData("var request = new UrlRequest(new Uri(\"https://example.com\")).WithHeader({|#0:\"connection\"|}, \"close\");", "connection")]
    [InlineData("UrlSessionConfiguration.Default.HttpAdditionalHeaders = new System.Collections.Generic.Dictionary<string, string> { [{|#0:\"Authorization\"|}] = \"Bearer x\", [\"Accept\"] = \"*/*\" };", "Authorization")]
    [InlineData("UrlSessionConfiguration.Default.HttpAdditionalHeaders = new System.Collections.Generic.Dictionary<string, string> { { {|#0:\"Host\"|}, \"example.com\" } };", "Host")]
    [InlineData("var configuration = UrlSessionConfiguration.Ephemeral; configuration.HttpAdditionalHeaders = new System.Collections.Generic.Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [{|#0:\"Proxy-Authorization\"|}] = \"Basic x\" };", "Proxy-Authorization")]
    [InlineData("var request = new UrlRequest(new Uri(\"https://example.com\")) { HttpBody = new byte[] { 1 } }; var sized = request.WithHeader(\"Content-Type\", \"text/plain\").WithHeader({|#0:\"Content-Length\"|}, \"1\");", "Content-Length")]
    public Task A_header_the_loading_system_manages_is_reported_on_its_name(string body, string header) =>
        HeaderVerify.AnalyzeAsync(Code(body), HeaderVerify.Diagnostic("US4002").WithLocation(0).WithArguments(header, Reason(header)));

    [Theory]
    [InlineData("UrlSessionConfiguration.Default.HttpAdditionalHeaders[{|#0:\"Content-Length\"|}] = \"10\";")]
    [InlineData("UrlSessionConfiguration.Default.HttpAdditionalHeaders = new System.Collections.Generic.Dictionary<string, string> { [{|#0:\"content-length\"|}] = \"10\" };")]
    public Task A_session_wide_Content_Length_is_reported(string body) =>
        HeaderVerify.AnalyzeAsync(Code(body), HeaderVerify.Diagnostic("US4002").WithLocation(0).WithArguments(body.Contains("content-length", StringComparison.Ordinal) ? "content-length" : "Content-Length",
            "one length for every request of the session is wrong for all but one; it comes from each request's body (set it on a streamed upload's request, whose length only you know)"));

    [Theory]
    // A streamed upload must say its length (Apple requires Content-Type and Content-Length), or the body goes chunked.
    [InlineData("var request = new UrlRequest(new Uri(\"https://example.com/upload\")) { HttpMethod = \"PUT\" }.WithHeader(\"Content-Type\", \"video/mp4\").WithHeader(\"Content-Length\", \"1048576\");")]
    [InlineData("var request = new UrlRequest(new Uri(\"https://example.com/upload\")) { HttpMethod = \"PUT\", HttpBodyStream = () => System.IO.Stream.Null }.WithHeader(\"Content-Length\", \"0\");")]
    [InlineData("UrlSessionConfiguration.Default.HttpAdditionalHeaders = new System.Collections.Generic.Dictionary<string, string> { { \"Accept\", \"application/json\" }, { \"X-Api-Key\", \"1\" } };")]
    public Task A_streamed_upload_that_gives_its_length_and_ordinary_initialized_headers_are_not_reported(string body) => HeaderVerify.AnalyzeAsync(Code(body));

    [Theory]
    [InlineData("var request = new UrlRequest(new Uri(\"https://example.com\")).WithHeader(\"Authorization\", \"Bearer x\");")]
    [InlineData("UrlSessionConfiguration.Default.HttpAdditionalHeaders[\"X-Api-Key\"] = \"1\";")]
    [InlineData("var name = Environment.GetEnvironmentVariable(\"H\") ?? \"X\"; UrlSessionConfiguration.Default.HttpAdditionalHeaders[name] = \"1\";")]
    public Task Ordinary_headers_and_a_per_request_Authorization_are_not_reported(string body) => HeaderVerify.AnalyzeAsync(Code(body));

    private static string Reason(string header) => header.ToUpperInvariant() switch
    {
        "AUTHORIZATION" => "a session-wide Authorization header is sent to every host, including after redirects; answer DidReceiveChallenge, store a credential in UrlCredentialStorage, or set it on the one request that needs it",
        "HOST" => "it comes from the request's URL",
        "CONTENT-LENGTH" => "it comes from the request's HttpBody",
        "PROXY-AUTHORIZATION" => "answer the proxy's challenge in DidReceiveChallenge or store a credential in UrlCredentialStorage",
        _ => "the session manages its connections (see HttpMaximumConnectionsPerHost)",
    };
}

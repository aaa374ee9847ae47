using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Background.BackgroundSessionApiAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Background;

public sealed class BackgroundSessionApiAnalyzerTests
{
    private static string Method(string body) => $$"""
        using System;
        using UrlLoading;

        sealed class Transfers : IUrlSessionDelegate { }

        static class Client
        {
            static async System.Threading.Tasks.Task Run(Uri url, UrlRequest request, UrlSession unknown)
            {
                {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers()); {|#0:session.DownloadTask(url, (file, response, error) => { })|}.Resume();", "US1002", "DownloadTask")]
    [InlineData("var configuration = UrlSessionConfiguration.Background(\"com.example.bg\"); var session = new UrlSession(configuration, new Transfers()); await {|#0:session.DataAsync(url)|};", "US1002", "DataAsync")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers()); {|#0:session.DataTask(url)|}.Resume();", "US1003", "DataTask")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers()); {|#0:session.UploadTask(request, new byte[] { 1 })|}.Resume();", "US1003", "UploadTask")]
    public Task Background_only_misuse_is_an_error_at_the_call(string body, string id, string method) =>
        Verify.AnalyzeAsync(Method(body), Verify.Error(id).WithLocation(0).WithArguments(method));

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers()); session.DownloadTask(url).Resume(); session.UploadTask(request, \"/tmp/file\").Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); session.DataTask(url).Resume(); await session.DataAsync(url);")]
    [InlineData("unknown.DataTask(url).Resume(); await unknown.DownloadAsync(url);")]
    public Task Allowed_calls_and_sessions_of_unknown_kind_are_not_reported(string body) => Verify.AnalyzeAsync(Method(body));
}

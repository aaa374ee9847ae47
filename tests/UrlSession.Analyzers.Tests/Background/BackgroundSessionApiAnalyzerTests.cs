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

    private static string Kept(string members, string use) => $$"""
        using System;
        using UrlLoading;

        sealed class Transfers : IUrlSessionDelegate { }

        sealed class Client
        {
            private static readonly UrlSessionConfiguration s_configuration = UrlSessionConfiguration.Background("com.example.bg");
        {{members}}
            public async System.Threading.Tasks.Task Run(Uri url, UrlRequest request)
            {
                {{use}}
            }
        }
        """;

    // The seed's own pattern: the background session kept in a field or property (self.backgroundSession).
    [Theory]
    [InlineData("private readonly UrlSession _session = new(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers());", "await {|#0:_session.DataAsync(url)|};", "US1002", "DataAsync")]
    [InlineData("private readonly UrlSession _session; public Client() => _session = new UrlSession(s_configuration, new Transfers());", "{|#0:this._session.DataTask(url)|}.Resume();", "US1003", "DataTask")]
    [InlineData("public UrlSession BackgroundSession { get; } = new(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers());", "{|#0:BackgroundSession.UploadTask(request, new byte[] { 1 })|}.Resume();", "US1003", "UploadTask")]
    [InlineData("private UrlSession _session = new(s_configuration, new Transfers()); private UrlSession Session => _session;", "{|#0:Session.DownloadTask(url, (file, response, error) => { })|}.Resume();", "US1002", "DownloadTask")]
    [InlineData("private static readonly Lazy<UrlSession> s_session = new(() => new UrlSession(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers()));", "await {|#0:s_session.Value.DownloadAsync(url)|};", "US1002", "DownloadAsync")]
    public Task A_background_session_kept_in_a_field_or_property_is_classified(string members, string use, string id, string method) =>
        Verify.AnalyzeAsync(Kept(members, use), Verify.Error(id).WithLocation(0).WithArguments(method));

    [Theory]
    [InlineData("public UrlSession Session = new(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers());", "Session.DataTask(url).Resume();")]
    [InlineData("private UrlSession _session = new(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers()); public void Reset() => _session = new UrlSession(UrlSessionConfiguration.Default);", "_session.DataTask(url).Resume();")]
    [InlineData("private readonly UrlSession _session = new(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers());", "_session.DownloadTask(url).Resume(); _session.UploadTask(request, \"/tmp/body\").Resume();")]
    [InlineData("private readonly UrlSession _session = new(UrlSessionConfiguration.Default);", "await _session.DataAsync(url);")]
    public Task A_field_that_may_hold_another_session_or_allowed_calls_are_not_reported(string members, string use) => Verify.AnalyzeAsync(Kept(members, use));

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Background(\"com.example.bg\"), new Transfers()); session.DownloadTask(url).Resume(); session.UploadTask(request, \"/tmp/file\").Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); session.DataTask(url).Resume(); await session.DataAsync(url);")]
    [InlineData("unknown.DataTask(url).Resume(); await unknown.DownloadAsync(url);")]
    public Task Allowed_calls_and_sessions_of_unknown_kind_are_not_reported(string body) => Verify.AnalyzeAsync(Method(body));
}

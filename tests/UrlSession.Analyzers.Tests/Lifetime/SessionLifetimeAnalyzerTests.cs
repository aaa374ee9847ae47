using InvalidatedVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Lifetime.SessionNeverInvalidatedAnalyzer>;
using IterationVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Lifetime.SessionPerIterationAnalyzer>;
using ResumeVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Lifetime.ResumeAfterCompletionAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Lifetime;

public sealed class SessionLifetimeAnalyzerTests
{
    private static string Code(string body) => $$"""
        using System;
        using System.Net.Http;
        using System.Threading.Tasks;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Events : IUrlSessionDelegate
        {
            void DidCompleteWithError(UrlSessionTask task, UrlError? error) { }
        }

        static class Work
        {
            static UrlSession? s_kept;
            static readonly Uri[] Urls = [new("https://example.com/a"), new("https://example.com/b")];
            static void Use(UrlSession session) { }
            static async Task<UrlSession> Run()
            {
        {{body}}
                return null!;
            }
        }
        """;

    [Theory]
    [InlineData("var {|#0:session = new UrlSession(UrlSessionConfiguration.Default, new Events())|}; session.DataTask(Urls[0]).Resume();")]
    [InlineData("var {|#0:session = new UrlSession(UrlSessionConfiguration.Ephemeral, new Events())|}; await session.DataAsync(Urls[0]);")]
    public Task A_local_session_with_a_delegate_that_is_never_invalidated_is_reported(string body) =>
        InvalidatedVerify.AnalyzeAsync(Code(body), InvalidatedVerify.Diagnostic("US3003").WithLocation(0).WithArguments("session"));

    [Theory]
    [InlineData("await using var session = new UrlSession(UrlSessionConfiguration.Default, new Events()); session.DataTask(Urls[0]).Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new Events()); session.DataTask(Urls[0]).Resume(); session.FinishTasksAndInvalidate();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new Events()); Use(session);")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new Events()); s_kept = session;")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new Events()); return session;")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); session.DataTask(Urls[0]).Resume();")]
    [InlineData("var configuration = UrlSessionConfiguration.Background(\"com.example.downloads\"); var session = new UrlSession(configuration, new Events());")]
    public Task Sessions_that_are_invalidated_handed_on_delegate_free_or_background_are_not_reported(string body) => InvalidatedVerify.AnalyzeAsync(Code(body));

    [Theory]
    [InlineData("foreach (var url in Urls) { await using var session = {|#0:new UrlSession(UrlSessionConfiguration.Default)|}; await session.DataAsync(url); }", "UrlSession")]
    [InlineData("for (int i = 0; i < 2; i++) { using var client = {|#0:new HttpClient()|}; await client.GetStringAsync(Urls[i]); }", "HttpClient")]
    public Task A_session_or_client_per_iteration_is_reported(string body, string type) =>
        IterationVerify.AnalyzeAsync(Code(body), IterationVerify.Diagnostic("US3004").WithLocation(0).WithArguments($"A new {type} is created on every iteration"));

    [Theory]
    [InlineData("await Task.WhenAll(Urls.Select(async url => { using var client = {|#0:new HttpClient()|}; return await client.GetStringAsync(url); }));", "HttpClient", "Select")]
    [InlineData("await Parallel.ForEachAsync(Urls, async (url, token) => { await using var session = {|#0:new UrlSession(UrlSessionConfiguration.Ephemeral)|}; await session.DataAsync(url, token); });", "UrlSession", "ForEachAsync")]
    public Task A_session_or_client_per_item_of_a_lambda_is_reported(string body, string type, string call) =>
        IterationVerify.AnalyzeAsync(Code(body).Replace("using System;", "using System;\nusing System.Linq;", StringComparison.Ordinal),
            IterationVerify.Diagnostic("US3004").WithLocation(0).WithArguments($"A new {type} is created for every item of '{call}'"));

    [Fact]
    public Task A_lambda_written_in_a_loop_runs_per_iteration() => IterationVerify.AnalyzeAsync(Code(
        "var tasks = new System.Collections.Generic.List<Task>(); foreach (var url in Urls) tasks.Add(Task.Run(async () => { using var client = {|#0:new HttpClient()|}; await client.GetAsync(url); })); await Task.WhenAll(tasks);"),
        IterationVerify.Diagnostic("US3004").WithLocation(0).WithArguments("A new HttpClient is created on every iteration"));

    private static string PerCall(string members) => $$"""
        using System;
        using System.Net.Http;
        using System.Threading.Tasks;
        using UrlLoading;

        sealed class Api
        {
            private static readonly HttpClient s_client = new();
            private UrlSession? _kept;
        {{members}}
        }
        """;

    [Theory]
    [InlineData("async Task<string> GetAsync(Uri url) { using var client = {|#0:new HttpClient()|}; client.Timeout = TimeSpan.FromSeconds(5); return await client.GetStringAsync(url); }", "A new HttpClient is created for the single request of 'GetAsync'")]
    [InlineData("async Task<byte[]> LoadAsync(Uri url) { await using var session = {|#0:new UrlSession(UrlSessionConfiguration.Ephemeral)|}; var (data, response) = await session.DataAsync(url); return data; }", "A new UrlSession is created for the single request of 'LoadAsync'")]
    [InlineData("void Fetch(Uri url, IUrlSessionDelegate events) { var session = {|#0:new UrlSession(UrlSessionConfiguration.Background(\"com.example.bg\"), events)|}; session.DownloadTask(url).Resume(); }", "A new background UrlSession is created for the single download of 'Fetch'")]
    public Task A_session_or_client_made_for_the_one_request_of_a_method_is_reported(string members, string what) =>
        IterationVerify.AnalyzeAsync(PerCall(members), IterationVerify.Diagnostic("US3004").WithLocation(0).WithArguments(what + ", on every call"));

    [Theory]
    [InlineData("await using var session = new UrlSession(UrlSessionConfiguration.Default); foreach (var url in Urls) await session.DataAsync(url);")]
    [InlineData("Func<UrlSession> make = () => new UrlSession(UrlSessionConfiguration.Default); foreach (var url in Urls) { }")]
    public Task One_session_reused_by_the_loop_is_not_reported(string body) => IterationVerify.AnalyzeAsync(Code(body));

    [Theory]
    [InlineData("static async Task Main() { using var client = new HttpClient(); Console.WriteLine(await client.GetStringAsync(new Uri(\"https://example.com\"))); }")]
    [InlineData("sealed class FactAttribute : Attribute { } [Fact] public async Task Loads() { using var client = new HttpClient(); await client.GetAsync(new Uri(\"https://example.com\")); }")]
    [InlineData("async Task Twice(Uri a, Uri b) { using var client = new HttpClient(); await client.GetAsync(a); await client.GetAsync(b); }")]
    [InlineData("UrlSession Open() { var session = new UrlSession(UrlSessionConfiguration.Default); _kept = session; session.DataTask(new Uri(\"https://example.com\")).Resume(); return session; }")]
    [InlineData("async Task<string> Shared(Uri url) => await s_client.GetStringAsync(url);")]
    // Test helpers: the session is built from what the caller passes, so one per call is the point.
    [InlineData("async Task<byte[]> LoadAsync(Uri url, UrlCache cache) { var configuration = UrlSessionConfiguration.Ephemeral; configuration.UrlCache = cache; await using var session = new UrlSession(configuration); var (data, _) = await session.DataAsync(url); return data; }")]
    [InlineData("async Task<string> GetAsync(Uri url, HttpMessageHandler handler) { using var client = new HttpClient(handler); return await client.GetStringAsync(url); }")]
    [InlineData("void Background(Uri url, IUrlSessionDelegate events) { var session = new UrlSession(UrlSessionConfiguration.Background(\"com.example.bg\"), events); session.DownloadTask(url).Resume(); _kept = session; }")]
    public Task Creation_once_in_Main_or_a_test_reuse_and_handing_on_are_not_reported(string members) => IterationVerify.AnalyzeAsync(PerCall(members));

    private static string Completion(string method) => $$"""
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Retry
        {
            private UrlSessionTask? _last;
        {{method}}
        }
        """;

    [Fact]
    public Task Resuming_the_task_that_just_completed_is_reported() => ResumeVerify.AnalyzeAsync(
        Completion("void DidCompleteWithError(UrlSessionTask task, UrlError? error) { if (error is not null) {|#0:task.Resume()|}; }"),
        ResumeVerify.Diagnostic("US3005").WithLocation(0).WithArguments("task"));

    [Theory]
    [InlineData("UrlSessionDataTask? task = null; task = session.DataTask(url, (data, response, error) => { if (error is not null) {|#0:task!.Resume()|}; }); task.Resume();", "task")]
    [InlineData("_download = session.DownloadTask(url, (file, response, error) => { if (error is not null) {|#0:_download?.Resume()|}; }); _download.Resume();", "_download")]
    public Task Resuming_the_task_from_its_own_completion_handler_is_reported(string body, string task) => ResumeVerify.AnalyzeAsync(
        Handler(body), ResumeVerify.Diagnostic("US3005").WithLocation(0).WithArguments(task));

    [Theory]
    [InlineData("UrlSessionDataTask? task = null; task = session.DataTask(url, (data, response, error) => { if (error is not null) session.DataTask(url).Resume(); }); task.Resume();")]
    [InlineData("var other = session.DataTask(url); var task = session.DataTask(url, (data, response, error) => other.Resume()); task.Resume();")]
    public Task A_handler_that_creates_a_new_task_or_starts_another_is_not_reported(string body) => ResumeVerify.AnalyzeAsync(Handler(body));

    private static string Handler(string body) => $$"""
        using System;
        using UrlLoading;

        sealed class Retrying
        {
            private UrlSessionDownloadTask? _download;
            void Run(UrlSession session, Uri url)
            {
                {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("void DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error) { if (error is not null) session.DataTask(task.OriginalRequest).Resume(); }")]
    [InlineData("void DidCompleteWithError(UrlSessionTask task, UrlError? error) => _last?.Resume();")]
    [InlineData("void Helper(UrlSessionTask task) => task.Resume();")]
    public Task Creating_a_new_task_or_resuming_another_is_not_reported(string method) => ResumeVerify.AnalyzeAsync(Completion(method));
}

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
        IterationVerify.AnalyzeAsync(Code(body), IterationVerify.Diagnostic("US3004").WithLocation(0).WithArguments(type));

    [Theory]
    [InlineData("await using var session = new UrlSession(UrlSessionConfiguration.Default); foreach (var url in Urls) await session.DataAsync(url);")]
    [InlineData("Func<UrlSession> make = () => new UrlSession(UrlSessionConfiguration.Default); foreach (var url in Urls) { }")]
    public Task One_session_reused_by_the_loop_is_not_reported(string body) => IterationVerify.AnalyzeAsync(Code(body));

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
    [InlineData("void DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error) { if (error is not null) session.DataTask(task.OriginalRequest).Resume(); }")]
    [InlineData("void DidCompleteWithError(UrlSessionTask task, UrlError? error) => _last?.Resume();")]
    [InlineData("void Helper(UrlSessionTask task) => task.Resume();")]
    public Task Creating_a_new_task_or_resuming_another_is_not_reported(string method) => ResumeVerify.AnalyzeAsync(Completion(method));
}

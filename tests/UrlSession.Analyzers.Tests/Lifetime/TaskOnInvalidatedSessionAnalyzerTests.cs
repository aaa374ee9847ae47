using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Lifetime.TaskOnInvalidatedSessionAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Lifetime;

public sealed class TaskOnInvalidatedSessionAnalyzerTests
{
    private static string Code(string body) => $$"""
        using System;
        using System.Threading.Tasks;
        using UrlLoading;

        static class Work
        {
            static readonly Uri Url = new("https://example.com/");
            static async Task Run(bool flag)
            {
        {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); session.FinishTasksAndInvalidate(); {|#0:session.DataTask(Url)|}.Resume();", "FinishTasksAndInvalidate", "DataTask")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); session.InvalidateAndCancel(); await {|#0:session.DataAsync(Url)|};", "InvalidateAndCancel", "DataAsync")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); await session.DisposeAsync(); {|#0:session.DownloadTask(Url)|}.Resume();", "DisposeAsync", "DownloadTask")]
    public Task A_task_created_after_invalidation_is_reported(string body, string invalidation, string creation) =>
        Verify.AnalyzeAsync(Code(body), Verify.Diagnostic("US3002").WithLocation(0).WithArguments("session", invalidation, creation));

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); session.DataTask(Url).Resume(); session.FinishTasksAndInvalidate();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); session.FinishTasksAndInvalidate(); session = new UrlSession(UrlSessionConfiguration.Default); session.DataTask(Url).Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); if (flag) { session.InvalidateAndCancel(); return; } session.DataTask(Url).Resume();")]
    [InlineData("UrlSession.Shared.FinishTasksAndInvalidate(); UrlSession.Shared.DataTask(Url).Resume();")]
    [InlineData("var shared = UrlSession.Shared; shared.FinishTasksAndInvalidate(); shared.DataTask(Url).Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); for (int i = 0; i < 2; i++) { session.DataTask(Url).Resume(); if (i == 1) session.FinishTasksAndInvalidate(); }")]
    public Task Tasks_created_while_the_session_is_valid_are_not_reported(string body) => Verify.AnalyzeAsync(Code(body));
}

using UrlLoading.CodeFixes.Lifetime;
using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Lifetime.TaskNeverResumedAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Lifetime;

public sealed class TaskNeverResumedAnalyzerTests
{
    private static string Method(string body) => $$"""
        using System;
        using UrlLoading;

        class Client
        {
            UrlSessionTask? _kept;
            void Run(UrlSession session, Uri url)
            {
                {{body}}
            }
            static void Start(UrlSessionTask task) => task.Resume();
        }
        """;

    [Fact]
    public Task A_discarded_task_is_reported_and_the_fix_resumes_it() => Verify.FixAsync<AppendResumeCodeFix>(
        Method("{|#0:session.DataTask(url)|};"),
        Method("session.DataTask(url).Resume();"),
        Verify.Diagnostic("US3001").WithLocation(0).WithArguments("DataTask"));

    [Fact]
    public Task Fix_All_resumes_every_discarded_task() => Verify.FixAsync<AppendResumeCodeFix>(
        Method("{|#0:session.DataTask(url)|}; {|#1:session.DownloadTask(url)|}; {|#2:session.UploadTask(new UrlRequest(url), new byte[] { 1 })|};"),
        Method("session.DataTask(url).Resume(); session.DownloadTask(url).Resume(); session.UploadTask(new UrlRequest(url), new byte[] { 1 }).Resume();"),
        Verify.Diagnostic("US3001").WithLocation(0).WithArguments("DataTask"),
        Verify.Diagnostic("US3001").WithLocation(1).WithArguments("DownloadTask"),
        Verify.Diagnostic("US3001").WithLocation(2).WithArguments("UploadTask"));

    [Fact]
    public Task A_local_task_that_is_configured_but_never_resumed_is_reported() => Verify.AnalyzeAsync(
        Method("""
            var {|#0:task = session.DownloadTask(url)|};
            task.TaskDescription = "report";
            task.Priority = UrlSessionTask.HighPriority;
            """),
        Verify.Diagnostic("US3001").WithLocation(0).WithArguments("DownloadTask"));

    [Theory]
    [InlineData("session.DataTask(url).Resume();")]
    [InlineData("var task = session.DataTask(url); task.TaskDescription = \"x\"; task.Resume();")]
    [InlineData("var task = session.DataTask(url); Start(task);")]
    [InlineData("var task = session.DataTask(url); _kept = task;")]
    [InlineData("var task = session.DataTask(url); task.Cancel();")]
    [InlineData("_kept = session.DataTask(url);")]
    [InlineData("Action later = () => session.DataTask(url).Resume();")]
    public Task A_task_that_is_resumed_or_handed_on_is_not_reported(string body) => Verify.AnalyzeAsync(Method(body));
}

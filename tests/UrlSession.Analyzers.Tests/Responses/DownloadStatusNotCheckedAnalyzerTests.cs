using UrlLoading.CodeFixes.Responses;
using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Responses.DownloadStatusNotCheckedAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Responses;

public sealed class DownloadStatusNotCheckedAnalyzerTests
{
    private static string Delegate(string members) => $$"""
        using System;
        using System.IO;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Saver
        {
            private static void Keep(UrlResponse? response) { }
        {{members}}
        }
        """;

    [Theory]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string location) => {|#0:File.Move(location, \"/data/report.pdf\", overwrite: true)|};")]
    [InlineData("void DidFinishDownloading(string location) { {|#0:File.Copy(location, \"/data/report.pdf\", overwrite: true)|}; }")]
    // samples/Fetch: the status is read only after the file was moved, so a 404 page is saved.
    [InlineData("public int StatusCode; void DidFinishDownloading(UrlSessionDownloadTask task, string location) { {|#0:File.Move(location, task.TaskDescription!, overwrite: true)|}; StatusCode = (task.Response as HttpUrlResponse)?.StatusCode ?? 0; }")]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string location) { var target = Path.Combine(\"/data\", task.TaskDescription!); {|#0:File.Replace(location, target, null)|}; Keep(task.Response); }")]
    public Task Saving_without_a_look_at_the_status_is_reported_on_the_save(string method) =>
        Verify.AnalyzeAsync(Delegate(method), Verify.Diagnostic("US6002").WithLocation(0));

    [Theory]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string location) { if (task.Response is HttpUrlResponse { StatusCode: 200 }) File.Move(location, \"/data/report.pdf\", overwrite: true); }")]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string location) { if (((HttpUrlResponse)task.Response!).StatusCode >= 400) return; File.Move(location, \"/data/report.pdf\", overwrite: true); }")]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string location) { Keep(task.Response); File.Move(location, \"/data/report.pdf\", overwrite: true); }")]
    [InlineData("void DidFinishDownloading(string location) { using var stream = File.OpenRead(location); }")]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string location) { var response = (HttpUrlResponse)task.Response!; if (response.StatusCode != 200) return; File.Move(location, \"/data/report.pdf\", overwrite: true); }")]
    public Task A_checked_status_or_a_file_that_is_only_read_is_not_reported(string method) => Verify.AnalyzeAsync(Delegate(method));

    [Fact]
    public Task The_fix_saves_only_a_successful_response() => Verify.FixAsync<StatusGuardCodeFix>(
        Delegate("""
                void DidFinishDownloading(UrlSessionDownloadTask task, string location) => {|#0:File.Move(location, "/data/report.pdf", overwrite: true)|};
            """),
        Delegate("""
                void DidFinishDownloading(UrlSessionDownloadTask task, string location)
                {
                    if (task.Response is HttpUrlResponse { StatusCode: >= 200 and < 300 })
                        File.Move(location, "/data/report.pdf", overwrite: true);
                }
            """),
        Verify.Diagnostic("US6002").WithLocation(0));

    [Fact]
    public Task Fix_All_guards_every_save_that_comes_before_its_status_check() => Verify.FixAsync<StatusGuardCodeFix>(
        Delegate("""
                public int StatusCode;
                void DidFinishDownloading(UrlSessionDownloadTask task, string location)
                {
                    {|#0:File.Move(location, task.TaskDescription!, overwrite: true)|};
                    StatusCode = (task.Response as HttpUrlResponse)?.StatusCode ?? 0;
                }
            }

            [UrlSessionDelegate]
            partial class Copier
            {
                void DidFinishDownloading(UrlSessionDownloadTask task, string location) => {|#1:File.Copy(location, "/data/copy.bin")|};
            """),
        Delegate("""
                public int StatusCode;
                void DidFinishDownloading(UrlSessionDownloadTask task, string location)
                {
                    if (task.Response is HttpUrlResponse { StatusCode: >= 200 and < 300 })
                        File.Move(location, task.TaskDescription!, overwrite: true);
                    StatusCode = (task.Response as HttpUrlResponse)?.StatusCode ?? 0;
                }
            }

            [UrlSessionDelegate]
            partial class Copier
            {
                void DidFinishDownloading(UrlSessionDownloadTask task, string location)
                {
                    if (task.Response is HttpUrlResponse { StatusCode: >= 200 and < 300 })
                        File.Copy(location, "/data/copy.bin");
                }
            """),
        Verify.Diagnostic("US6002").WithLocation(0),
        Verify.Diagnostic("US6002").WithLocation(1));
}

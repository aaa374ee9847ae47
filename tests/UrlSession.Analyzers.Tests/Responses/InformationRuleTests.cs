using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using BodyVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Responses.UploadRequestBodyIgnoredAnalyzer>;
using DiscretionaryVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Configuration.DiscretionaryTransferAnalyzer>;
using CapacityVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Configuration.SmallCacheCapacityAnalyzer>;
using ResumeVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Responses.ResumeDataIgnoredAnalyzer>;
using UiVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.UiTouchedFromCallbackAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Responses;

/// <summary>The information-level rules: US2202, US2302, US4003, US4005, US6003.</summary>
public sealed class InformationRuleTests
{
    private static DiagnosticResult Info(string id) => new(id, DiagnosticSeverity.Info);

    private const string WinForms = """
        namespace System.Windows.Forms
        {
            public class Control { public string Text { get; set; } = ""; public void Refresh() { } }
            public class Label : Control { }
        }
        """;

    [Fact]
    public Task A_UI_object_touched_in_a_callback_is_reported_but_not_inside_a_dispatch() => UiVerify.AnalyzeAsync([WinForms, """
        using System;
        using System.Windows.Forms;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Screen(Label status)
        {
            void DidWriteData(long totalBytesWritten, long totalBytesExpectedToWrite) => {|#0:status.Text|} = $"{totalBytesWritten} bytes";
            void DidCompleteWithError(UrlError? error) => Post(() => status.Refresh());
            static void Post(Action action) => action();
        }
        """], Info("US2202").WithLocation(0).WithArguments("status", "DidWriteData"));

    [Fact]
    public Task Without_a_UI_framework_nothing_is_reported() => UiVerify.AnalyzeAsync("""
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Quiet
        {
            private string _text = "";
            void DidWriteData(long totalBytesWritten) => _text = totalBytesWritten.ToString();
        }
        """);

    private static string Uploads(string body) => $$"""
        using System;
        using System.IO;
        using UrlLoading;

        static class Work
        {
            static void Run(UrlSession session)
            {
        {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("session.UploadTask(new UrlRequest(new Uri(\"https://example.com/\")) { HttpMethod = \"POST\", {|#0:HttpBody = new byte[] { 1 }|} }, \"/tmp/photo.jpg\").Resume();", "HttpBody", "the file")]
    [InlineData("var request = new UrlRequest(new Uri(\"https://example.com/\")) { {|#0:HttpBodyStream = () => Stream.Null|} }; session.UploadTask(request, new byte[] { 1, 2 }).Resume();", "HttpBodyStream", "the bytes you pass it")]
    public Task A_body_on_a_request_given_to_an_upload_task_is_reported(string body, string property, string sends) =>
        BodyVerify.AnalyzeAsync(Uploads(body), Info("US2302").WithLocation(0).WithArguments(property, sends));

    [Theory]
    [InlineData("session.UploadTask(new UrlRequest(new Uri(\"https://example.com/\")) { HttpMethod = \"PUT\" }, \"/tmp/photo.jpg\").Resume();")]
    [InlineData("session.DataTask(new UrlRequest(new Uri(\"https://example.com/\")) { HttpBody = new byte[] { 1 } }).Resume();")]
    public Task An_upload_without_a_request_body_or_a_data_task_with_one_is_not_reported(string body) => BodyVerify.AnalyzeAsync(Uploads(body));

    [Fact]
    public Task Making_transfers_discretionary_is_reported_and_turning_it_off_is_not() => DiscretionaryVerify.AnalyzeAsync("""
        using UrlLoading;

        static class Setup
        {
            static void Run()
            {
                var configuration = UrlSessionConfiguration.Background("com.example.sync");
                {|#0:configuration.IsDiscretionary = true|};
                configuration.IsDiscretionary = false;
            }
        }
        """, Info("US4005").WithLocation(0));

    [Fact]
    public Task A_small_constant_disk_capacity_is_reported_but_zero_large_or_computed_ones_are_not() => CapacityVerify.AnalyzeAsync("""
        using UrlLoading;

        static class Setup
        {
            static void Run(long configured)
            {
                var small = new UrlCache(4 * 1024 * 1024, {|#0:1024 * 1024|}, null);
                var named = new UrlCache(diskCapacity: {|#1:100_000|}, directory: "/tmp/c", memoryCapacity: 0);
                small.DiskCapacity = {|#2:4_000_000|};
                var none = new UrlCache(1 << 20, 0, null);
                var enough = new UrlCache(1 << 20, 5 * 1024 * 1024, null);
                var computed = new UrlCache(1 << 20, configured, null);
                enough.DiskCapacity = 50L * 1024 * 1024;
                enough.MemoryCapacity = 1000;
            }
        }
        """,
        Info("US4003").WithLocation(0).WithArguments(1048576L, 52428L),
        Info("US4003").WithLocation(1).WithArguments(100000L, 5000L),
        Info("US4003").WithLocation(2).WithArguments(4000000L, 200000L));

    private static string Downloads(string members) => $$"""
        using System;
        using System.IO;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Downloads
        {
            private UrlError? _last;
            void DidFinishDownloading(UrlSessionDownloadTask task, string location) => File.Move(location, "/tmp/x", overwrite: true);
        {{members}}
        }
        """;

    [Fact]
    public Task A_download_delegate_that_only_logs_its_errors_is_reported() => ResumeVerify.AnalyzeAsync(
        Downloads("void {|#0:DidCompleteWithError|}(UrlSessionTask task, UrlError? error) { if (error is not null) Console.WriteLine(error.Message); }"),
        Info("US6003").WithLocation(0).WithArguments("DidCompleteWithError"));

    [Theory]
    [InlineData("void DidCompleteWithError(UrlSessionTask task, UrlError? error) { if (error?.ResumeData is { } data) Console.WriteLine(data.BytesOnDisk); }")]
    [InlineData("void DidCompleteWithError(UrlSessionTask task, UrlError? error) => _last = error;")]
    [InlineData("void DidCompleteWithError(UrlSessionTask task) { }")]
    public Task Using_keeping_or_not_looking_at_the_error_is_not_reported(string method) => ResumeVerify.AnalyzeAsync(Downloads(method));
}

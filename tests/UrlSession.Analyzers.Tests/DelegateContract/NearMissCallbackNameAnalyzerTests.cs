using UrlLoading.CodeFixes.DelegateContract;
using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.NearMissCallbackNameAnalyzer>;

namespace UrlLoading.Analyzers.Tests.DelegateContract;

public sealed class NearMissCallbackNameAnalyzerTests
{
    private static string Delegate(string members) => $$"""
        using System;
        using System.IO;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Events
        {
        {{members}}
        }
        """;

    [Theory]
    [InlineData("void {|#0:DidFinishDownloadingToUrl|}(UrlSessionDownloadTask task, string location) { }", "DidFinishDownloadingToUrl", "DidFinishDownloading")]
    [InlineData("void {|#0:URLSessionDidFinishEventsForBackgroundURLSession|}() { }", "URLSessionDidFinishEventsForBackgroundURLSession", "DidFinishEventsForBackgroundSession")]
    [InlineData("void {|#0:didCompleteWithError|}(UrlSessionTask task, UrlError? error) { }", "didCompleteWithError", "DidCompleteWithError")]
    [InlineData("void {|#0:DidBecomeInvalidWithError|}(Exception? error) { }", "DidBecomeInvalidWithError", "DidBecomeInvalid")]
    [InlineData("void {|#0:DidCompleteWithErorr|}(UrlSessionTask task, UrlError? error) { }", "DidCompleteWithErorr", "DidCompleteWithError")]
    [InlineData("void {|#0:UrlSessionDidReceiveData|}(UrlSessionDataTask task, ReadOnlyMemory<byte> data) { }", "UrlSessionDidReceiveData", "DidReceiveData")]
    public Task A_method_named_after_the_selector_or_in_another_case_is_reported(string member, string name, string callback) =>
        Verify.AnalyzeAsync(Delegate(member), Verify.Diagnostic("US2406").WithLocation(0).WithArguments(name, callback));

    [Theory]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string location) { }")]
    [InlineData("void DidCompleteWithError(UrlSessionTask task, UrlError? error) { } void DidComplete(string note) { }")]
    [InlineData("void DidReadData() { } void Log(string line) { } void DidReceiveDataChunked() { }")]
    public Task Catalog_names_helpers_beside_the_callback_and_unrelated_names_are_not_reported(string members) => Verify.AnalyzeAsync(Delegate(members));

    [Fact]
    public Task A_method_outside_a_delegate_class_is_not_reported() => Verify.AnalyzeAsync("""
        sealed class Plain
        {
            void DidFinishDownloadingToUrl(string location) { }
        }
        """);

    [Fact]
    public Task Fix_All_renames_every_near_miss_and_its_calls() => Verify.FixAsync<RenameToCallbackCodeFix>(
        Delegate("""
                void {|#0:DidFinishDownloadingToUrl|}(UrlSessionDownloadTask task, string location) => File.Move(location, "/data/file.bin");
                void {|#1:URLSessionDidFinishEventsForBackgroundURLSession|}() => UrlSessionBackgroundLaunch.Current?.CompletionHandler();
                public void Replay(UrlSessionDownloadTask task) => DidFinishDownloadingToUrl(task, "/tmp/again");
            """),
        Delegate("""
                void DidFinishDownloading(UrlSessionDownloadTask task, string location) => File.Move(location, "/data/file.bin");
                void DidFinishEventsForBackgroundSession() => UrlSessionBackgroundLaunch.Current?.CompletionHandler();
                public void Replay(UrlSessionDownloadTask task) => DidFinishDownloading(task, "/tmp/again");
            """),
        Verify.Diagnostic("US2406").WithLocation(0).WithArguments("DidFinishDownloadingToUrl", "DidFinishDownloading"),
        Verify.Diagnostic("US2406").WithLocation(1).WithArguments("URLSessionDidFinishEventsForBackgroundURLSession", "DidFinishEventsForBackgroundSession"));
}

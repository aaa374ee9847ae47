using UrlLoading.CodeFixes.DelegateContract;
using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.DownloadedFileNotMovedAnalyzer>;

namespace UrlLoading.Analyzers.Tests.DelegateContract;

public sealed class DownloadedFileNotMovedAnalyzerTests
{
    private static string Delegate(string members) => $$"""
        using System;
        using System.IO;
        using System.Threading.Tasks;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Downloads
        {
            private string? _pending;
            private static void Save(string path) { }
        {{members}}
        }
        """;

    [Theory]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string {|#0:location|}) { }")]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string {|#0:location|}) => Task.Run(() => File.Move(location, \"/tmp/x\"));")]
    [InlineData("void DidFinishDownloading(string {|#0:location|}) => _pending = location;")]
    [InlineData("async Task DidFinishDownloading(string {|#0:location|}) { await Task.Delay(1); File.Move(location, \"/tmp/x\"); }")]
    [InlineData("void DidFinishDownloading(string {|#0:location|}) { void Later() => File.Delete(location); }")]
    [InlineData("void DidFinishDownloading(string {|#0:location|}) => Console.WriteLine(\"done\");")]
    public Task A_file_not_consumed_before_the_method_returns_is_reported_on_the_parameter(string method) =>
        Verify.AnalyzeAsync(Delegate(method), Verify.Diagnostic("US2001").WithLocation(0).WithArguments("location"));

    [Theory]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string location) => File.Move(location, \"/tmp/x\", overwrite: true);")]
    [InlineData("void DidFinishDownloading(string location) { using var stream = File.OpenRead(location); }")]
    [InlineData("void DidFinishDownloading(string location) { using var stream = new FileStream(location, FileMode.Open); }")]
    [InlineData("void DidFinishDownloading(string location) => Save(location);")]
    [InlineData("void DidFinishDownloading(string location) => File.Copy(location, Path.Combine(\"/tmp\", Path.GetFileName(location)));")]
    [InlineData("async Task DidFinishDownloading(string location) { File.Move(location, \"/tmp/x\"); await Task.Delay(1); }")]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task) { }")]
    public Task A_file_moved_copied_or_opened_in_the_method_is_not_reported(string method) =>
        Verify.AnalyzeAsync(Delegate(method));

    [Fact]
    public Task Methods_outside_delegate_classes_are_ignored() => Verify.AnalyzeAsync("""
        class NotADelegate
        {
            void DidFinishDownloading(UrlLoading.UrlSessionDownloadTask task, string location) { }
        }
        """);

    [Fact]
    public Task A_move_inside_a_task_is_hoisted_to_the_start_of_the_method() => Verify.FixAsync<HoistFileMoveCodeFix>(
        Delegate("""
                void DidFinishDownloading(UrlSessionDownloadTask task, string {|#0:location|}) => Task.Run(() => File.Move(location, "/tmp/x"));
            """),
        Delegate("""
                void DidFinishDownloading(UrlSessionDownloadTask task, string location)
                {
                    var destination = "/tmp/x";
                    File.Move(location, destination, overwrite: true);
                    Task.Run(() => { });
                }
            """),
        Verify.Diagnostic("US2001").WithLocation(0).WithArguments("location"));

    [Fact]
    public Task A_move_after_an_await_is_hoisted_and_later_uses_read_the_destination() => Verify.FixAsync<HoistFileMoveCodeFix>(
        Delegate("""
                async Task DidFinishDownloading(string {|#0:location|})
                {
                    await Task.Delay(1);
                    File.Copy(location, Path.Combine("/tmp", "saved.bin"));
                    Console.WriteLine(location);
                }
            """),
        Delegate("""
                async Task DidFinishDownloading(string location)
                {
                    var destination = Path.Combine("/tmp", "saved.bin");
                    File.Copy(location, destination, overwrite: true);
                    await Task.Delay(1);
                    Console.WriteLine(destination);
                }
            """),
        Verify.Diagnostic("US2001").WithLocation(0).WithArguments("location"));

    [Theory]
    [InlineData("void DidFinishDownloading(UrlSessionDownloadTask task, string {|#0:location|}) { }")]
    [InlineData("void DidFinishDownloading(string {|#0:location|}) => Task.Run(() => { var target = \"/tmp/x\"; File.Move(location, target); });")]
    public Task No_fix_is_offered_when_the_destination_is_unknown_or_computed_late(string method) => Verify.NoFixAsync<HoistFileMoveCodeFix>(
        Delegate(method), Verify.Diagnostic("US2001").WithLocation(0).WithArguments("location"));
}

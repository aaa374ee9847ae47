using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Background.BackgroundLaunchAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Background;

public sealed class BackgroundLaunchAnalyzerTests
{
    [Fact]
    public Task A_launch_that_is_never_completed_is_reported_where_the_app_takes_part() => Verify.AnalyzeAsync("""
        using UrlLoading;

        static class App
        {
            static void Main()
            {
                var configuration = UrlSessionConfiguration.Background("com.example.downloads");
                {|#0:configuration.BackgroundLaunchCommand = "/usr/bin/example --background"|};
                if (UrlSessionBackgroundLaunch.Current is { } launch)
                    System.Console.WriteLine(launch.SessionIdentifier);
            }
        }
        """, Verify.Diagnostic("US1005").WithLocation(0).WithArguments("This app sets a BackgroundLaunchCommand"));

    [Fact]
    public Task A_launch_completed_from_the_delegate_is_not_reported() => Verify.AnalyzeAsync("""
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Events
        {
            void DidFinishEventsForBackgroundSession() => UrlSessionBackgroundLaunch.Current?.CompletionHandler();
        }

        static class App
        {
            static void Main()
            {
                var configuration = UrlSessionConfiguration.Background("com.example.downloads");
                configuration.BackgroundLaunchCommand = "/usr/bin/example --background";
            }
        }
        """);

    private static string Completing(string members) => $$"""
        using System;
        using UrlLoading;

        static class App
        {
            static void Main()
            {
                var configuration = UrlSessionConfiguration.Background("com.example.downloads");
                {|#0:configuration.BackgroundLaunchCommand = "/usr/bin/example --background"|};
            }
        }

        [UrlSessionDelegate]
        partial class Events
        {
            private Action? _completion;
            private static void Later(Action action) { }
        {{members}}
        }
        """;

    [Theory]
    [InlineData("void DidFinishEventsForBackgroundSession() { var pending = UrlSessionBackgroundLaunch.Current?.CompletionHandler is not null; }")]
    [InlineData("void DidFinishEventsForBackgroundSession() { _ = UrlSessionBackgroundLaunch.Current?.CompletionHandler; }")]
    [InlineData("void DidFinishEventsForBackgroundSession() { if (UrlSessionBackgroundLaunch.Current is { } launch && launch.CompletionHandler != null) Console.WriteLine(\"events done\"); }")]
    public Task Reading_the_completion_handler_without_calling_it_does_not_complete_the_launch(string members) =>
        Verify.AnalyzeAsync(Completing(members), Verify.Diagnostic("US1005").WithLocation(0).WithArguments("This app sets a BackgroundLaunchCommand"));

    [Theory]
    [InlineData("void DidFinishEventsForBackgroundSession() => UrlSessionBackgroundLaunch.Current?.CompletionHandler.Invoke();")]
    [InlineData("void DidFinishEventsForBackgroundSession() { if (UrlSessionBackgroundLaunch.Current is { } launch) launch.CompletionHandler(); }")]
    [InlineData("void DidCreateTask(UrlSessionTask task) => _completion = UrlSessionBackgroundLaunch.Current?.CompletionHandler; void DidFinishEventsForBackgroundSession() => _completion?.Invoke();")]
    [InlineData("void DidFinishEventsForBackgroundSession() { if (UrlSessionBackgroundLaunch.Current is { } launch) Later(launch.CompletionHandler); }")]
    public Task Calling_or_handing_on_the_completion_handler_completes_the_launch(string members) =>
        Verify.AnalyzeAsync(Completing(members).Replace("{|#0:", "", StringComparison.Ordinal).Replace("|};", ";", StringComparison.Ordinal));
}

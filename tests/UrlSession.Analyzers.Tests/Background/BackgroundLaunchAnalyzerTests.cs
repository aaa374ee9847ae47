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
}

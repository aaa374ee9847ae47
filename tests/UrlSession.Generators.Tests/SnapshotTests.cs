using System.Runtime.CompilerServices;

namespace UrlLoading.Generators.Tests;

/// <summary>
/// The generated text, compared with approved files in Snapshots/. Set URLSESSION_UPDATE_SNAPSHOTS=1 to rewrite them
/// after an intended change, then review the diff.
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public void Every_form_of_callback_generates_direct_calls() => Verify("""
        using System;
        using System.Threading.Tasks;
        using UrlLoading;

        namespace Demo;

        [UrlSessionDelegate]
        public partial class Downloads
        {
            void DidWriteData(UrlSessionDownloadTask task, long written, long total, long expected) { }
            void DidFinishDownloading(UrlSessionDownloadTask task, string location) { }
            ValueTask<UrlRequest?> WillPerformHttpRedirection(UrlSessionTask task, HttpUrlResponse response, UrlRequest next) => new(next);
            ResponseDisposition DidReceiveResponse(UrlSessionDataTask task, UrlResponse response) => ResponseDisposition.Allow;
            Task DidReceiveData(ReadOnlyMemory<byte> data) => Task.CompletedTask;
            void DidReceiveChallenge(UrlSession session, UrlSessionTask task, UrlAuthenticationChallenge challenge, Action<AuthChallengeDisposition, UrlCredential?> completionHandler)
                => completionHandler(AuthChallengeDisposition.PerformDefaultHandling, null);
            static void DidBecomeInvalid(Exception? error) { }
            void DidCompleteWithError(UrlSessionTask task, UrlError? error) { }
        }
        """);

    [Fact]
    public void Nested_and_generic_classes_are_generated_inside_their_containers() => Verify("""
        using UrlLoading;

        namespace Demo.Nested;

        public static partial class Outer
        {
            public partial record Holder<T>
            {
                [UrlSessionDelegate]
                internal sealed partial class Inner<TItem> where TItem : class
                {
                    void DidCompleteWithError(UrlSessionTask task, UrlError? error) { }
                    void WillPerformHttpRedirection(UrlSessionTask task, HttpUrlResponse response, UrlRequest request, System.Action<UrlRequest?> completionHandler) => completionHandler(request);
                }
            }
        }
        """);

    [Fact]
    public void A_class_in_the_global_namespace_with_no_callbacks_answers_none() => Verify("""
        [UrlLoading.UrlSessionDelegate]
        partial class Quiet
        {
            void Unrelated() { }
        }
        """);

    private static void Verify(string source, [CallerMemberName] string name = "", [CallerFilePath] string file = "")
    {
        var (sources, diagnostics) = GeneratorHarness.Run(source);
        Assert.Empty(diagnostics);
        string generated = Assert.Single(sources).SourceText.ToString();
        string approved = Path.Combine(Path.GetDirectoryName(file)!, "Snapshots", name + ".cs");
        if (Environment.GetEnvironmentVariable("URLSESSION_UPDATE_SNAPSHOTS") == "1")
            File.WriteAllText(approved, generated);
        Assert.True(File.Exists(approved), $"No approved snapshot at {approved}; run with URLSESSION_UPDATE_SNAPSHOTS=1 and review it.");
        Assert.Equal(File.ReadAllText(approved).ReplaceLineEndings("\n"), generated.ReplaceLineEndings("\n"));
    }
}

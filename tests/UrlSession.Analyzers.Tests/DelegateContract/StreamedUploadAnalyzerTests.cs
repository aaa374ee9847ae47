using UploadVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.DelegateContract.StreamedUploadAnalyzer>;

namespace UrlLoading.Analyzers.Tests.DelegateContract;

public sealed class StreamedUploadAnalyzerTests
{
    private static string Uploads(string body) => $$"""
        using System;
        using System.IO;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Streams : IUrlSessionDelegate
        {
            Stream? NeedNewBodyStream() => new MemoryStream();
        }

        [UrlSessionDelegate]
        partial class NoStreams : IUrlSessionDelegate
        {
            void DidCompleteWithError(UrlError? error) { }
        }

        static class Work
        {
            static void Run(IUrlSessionDelegate unknown)
            {
                var request = new UrlRequest(new Uri("https://example.com/upload")) { HttpMethod = "POST" };
        {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new NoStreams()); {|#0:session.UploadTask(request)|}.Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default); {|#0:session.UploadTask(request)|}.Resume();")]
    public Task A_streamed_upload_on_a_session_that_cannot_provide_the_body_is_reported(string body) =>
        UploadVerify.AnalyzeAsync(Uploads(body), UploadVerify.Diagnostic("US2301").WithLocation(0).WithArguments("session"));

    [Theory]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new Streams()); session.UploadTask(request).Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, unknown); session.UploadTask(request).Resume();")]
    [InlineData("var session = new UrlSession(UrlSessionConfiguration.Default, new NoStreams()); session.UploadTask(request, new byte[] { 1 }).Resume();")]
    public Task A_delegate_with_NeedNewBodyStream_an_unknown_delegate_or_a_bytes_upload_is_not_reported(string body) => UploadVerify.AnalyzeAsync(Uploads(body));
}

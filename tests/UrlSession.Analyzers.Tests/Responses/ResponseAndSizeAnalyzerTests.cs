using SizeVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Performance.LargeDownloadBufferedAnalyzer>;
using StatusVerify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Responses.ResponseStatusIgnoredAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Responses;

public sealed class ResponseAndSizeAnalyzerTests
{
    private static string Code(string body) => $$"""
        using System;
        using System.Threading.Tasks;
        using UrlLoading;

        static class Work
        {
            static readonly Uri Api = new("https://example.com/api");
            static async Task<int> Run(UrlSession session)
            {
        {{body}}
                return 0;
            }
        }
        """;

    [Theory]
    [InlineData("var (data, _) = await {|#0:session.DataAsync(Api)|};", "DataAsync")]
    [InlineData("var (data, response) = await {|#0:session.DataAsync(Api)|}; Console.WriteLine(data.Length);", "DataAsync")]
    [InlineData("var (location, _) = await {|#0:session.DownloadAsync(Api)|};", "DownloadAsync")]
    [InlineData("await {|#0:session.DataAsync(new UrlRequest(Api) { HttpMethod = \"DELETE\" })|}; return 1;", "DataAsync")]
    [InlineData("_ = await {|#0:session.UploadAsync(new UrlRequest(Api) { HttpMethod = \"POST\" }, new byte[] { 1 })|};", "UploadAsync")]
    [InlineData("await {|#0:session.DataAsync(Api)|}.ConfigureAwait(false);", "DataAsync")]
    public Task A_load_whose_response_is_never_looked_at_is_reported_as_information(string body, string method) =>
        StatusVerify.AnalyzeAsync(Code(body), new Microsoft.CodeAnalysis.Testing.DiagnosticResult("US6001", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(0).WithArguments(method));

    [Theory]
    [InlineData("var (data, response) = await session.DataAsync(Api); if (((HttpUrlResponse)response).StatusCode != 200) return 1;")]
    [InlineData("var result = await session.DataAsync(Api);")]
    [InlineData("var task = session.DataAsync(Api); Console.WriteLine(task.IsCompleted);")]
    [InlineData("await session.FlushAsync();")]
    public Task A_response_that_is_used_is_not_reported(string body) => StatusVerify.AnalyzeAsync(Code(body));

    [Theory]
    [InlineData("await session.DataAsync({|#0:new Uri(\"https://example.com/releases/app-1.2.dmg\")|});", "https://example.com/releases/app-1.2.dmg", "DataAsync")]
    [InlineData("session.DataTask({|#0:new Uri(\"https://example.com/backup.tar.gz?sig=1\")|}, (data, response, error) => { }).Resume();", "https://example.com/backup.tar.gz?sig=1", "DataTask")]
    public Task A_large_file_loaded_into_memory_is_reported_as_information(string body, string url, string method) =>
        SizeVerify.AnalyzeAsync(Code(body), new Microsoft.CodeAnalysis.Testing.DiagnosticResult("US7002", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(0).WithArguments(url, method));

    [Theory]
    [InlineData("await session.DataAsync(new Uri(\"https://example.com/api/items.json\"));")]
    [InlineData("session.DownloadTask(new Uri(\"https://example.com/releases/app-1.2.dmg\")).Resume();")]
    [InlineData("session.DataTask(new Uri(\"https://example.com/video.mp4\")).Resume();")]
    public Task Small_resources_downloads_and_delegate_data_tasks_are_not_reported(string body) => SizeVerify.AnalyzeAsync(Code(body));
}

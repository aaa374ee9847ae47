using System.Security.Cryptography;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Uploads;

public sealed partial class UploadTaskTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Payload(int size) => [.. Enumerable.Range(0, size).Select(i => TestServer.Pattern(i))];

    private static string Digest(string method, byte[] body) => $"{method} {body.Length} {Convert.ToHexString(SHA256.HashData(body))}";

    [UrlSessionDelegate]
    private sealed partial class Uploader
    {
        public List<string> Events { get; } = [];

        public List<(long Sent, long Total, long Expected)> Sends { get; } = [];

        public MemoryStream Body { get; } = new();

        public Func<Stream>? NextStream { get; set; }

        public int StreamsGiven { get; private set; }

        public TaskCompletionSource<UrlError?> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Stream? NeedNewBodyStream()
        {
            StreamsGiven++;
            Events.Add("need stream");
            return NextStream?.Invoke();
        }

        private void DidSendBodyData(long bytesSent, long totalBytesSent, long totalBytesExpectedToSend)
        {
            if (Events.Count == 0 || Events[^1] != "send")
                Events.Add("send");
            Sends.Add((bytesSent, totalBytesSent, totalBytesExpectedToSend));
        }

        private UrlRequest? WillPerformHttpRedirection(HttpUrlResponse response, UrlRequest newRequest)
        {
            Events.Add($"redirect {response.StatusCode}");
            return newRequest;
        }

        private void DidReceiveResponse(UrlResponse response, Action<ResponseDisposition> completionHandler)
        {
            Events.Add("response");
            completionHandler(ResponseDisposition.Allow);
        }

        private void DidReceiveData(ReadOnlyMemory<byte> data) => Body.Write(data.Span);

        private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
        {
            Events.Add($"challenge {challenge.PreviousFailureCount}");
            return (AuthChallengeDisposition.UseCredential, new UrlCredential("ada", "lovelace"));
        }

        private void DidFinishCollectingMetrics() => Events.Add("metrics");

        private void DidCompleteWithError(UrlError? error)
        {
            Events.Add("complete");
            Completed.TrySetResult(error);
        }
    }

    private static UrlRequest Post(Uri url) => new UrlRequest(url) { HttpMethod = "POST" }.WithHeader("Content-Type", "application/octet-stream");

    [Fact]
    public async Task A_file_upload_reports_bytes_sent_then_the_response_arrives_through_the_data_callbacks()
    {
        string file = Path.GetTempFileName();
        try
        {
            var payload = Payload(1_000_000);
            File.WriteAllBytes(file, payload);
            var uploader = new Uploader();
            await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, uploader);
            var task = session.UploadTask(Post(server.Url("/upload-digest")), file);
            Assert.Equal(payload.Length, task.CountOfBytesExpectedToSend);
            task.Resume();
            Assert.Null(await uploader.Completed.Task.WaitAsync(Ct));

            Assert.Equal(["send", "response", "metrics", "complete"], uploader.Events);
            Assert.Equal(Digest("POST", payload), Encoding.UTF8.GetString(uploader.Body.ToArray()));
            Assert.Equal(payload.Length, uploader.Sends.Sum(s => s.Sent));
            Assert.Equal(payload.Length, uploader.Sends[^1].Total);
            Assert.All(uploader.Sends, s => Assert.Equal(payload.Length, s.Expected));
            Assert.Equal(payload.Length, task.CountOfBytesSent);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Bytes_upload_with_a_completion_handler_and_UploadAsync_both_deliver_the_response_body()
    {
        var payload = Payload(300_000);
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var done = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.UploadTask(Post(server.Url("/upload-digest")), payload, (data, _, _) => done.SetResult(data)).Resume();
        Assert.Equal(Digest("POST", payload), Encoding.UTF8.GetString((await done.Task.WaitAsync(Ct))!));

        var (body, response) = await session.UploadAsync(Post(server.Url("/upload-digest")) with { HttpMethod = "PUT" }, payload, Ct);
        Assert.Equal(Digest("PUT", payload), Encoding.UTF8.GetString(body));
        Assert.Equal(200, ((HttpUrlResponse)response).StatusCode);
    }

    [Fact]
    public async Task A_missing_file_or_a_folder_fails_at_the_call_with_a_clear_error()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var missing = Assert.Throws<UrlError>(() => session.UploadTask(Post(server.Url("/upload-digest")), "/no/such/file.bin"));
        Assert.Equal(UrlErrorCode.FileDoesNotExist, missing.Code);
        Assert.Contains("/no/such/file.bin", missing.Message, StringComparison.Ordinal);
        var folder = await Assert.ThrowsAsync<UrlError>(() => session.UploadAsync(Post(server.Url("/upload-digest")), Path.GetTempPath(), Ct));
        Assert.Equal(UrlErrorCode.FileIsDirectory, folder.Code);
    }

    [Fact]
    public async Task A_streamed_upload_asks_for_its_body_and_asks_again_after_a_307()
    {
        var payload = Payload(200_000);
        var uploader = new Uploader { NextStream = () => new MemoryStream(payload) };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, uploader);
        session.UploadTask(Post(server.Url("/redirect/307?to=/upload-digest"))).Resume();
        Assert.Null(await uploader.Completed.Task.WaitAsync(Ct));
        Assert.Equal(2, uploader.StreamsGiven);
        Assert.Equal(["need stream", "send", "redirect 307", "need stream", "send", "response", "metrics", "complete"], uploader.Events);
        Assert.Equal(Digest("POST", payload), Encoding.UTF8.GetString(uploader.Body.ToArray()));
    }

    [Fact]
    public async Task A_streamed_upload_asks_again_for_its_body_when_it_is_resent_with_credentials()
    {
        var payload = Payload(50_000);
        var uploader = new Uploader { NextStream = () => new MemoryStream(payload) };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, uploader);
        session.UploadTask(Post(server.Url("/upload-digest?basic"))).Resume();
        Assert.Null(await uploader.Completed.Task.WaitAsync(Ct));
        Assert.Equal("need stream", uploader.Events[0]);
        Assert.Equal(2, uploader.StreamsGiven);
        Assert.Equal(["challenge 0", "need stream", "send", "response", "metrics", "complete"], uploader.Events.SkipWhile(e => !e.StartsWith("challenge", StringComparison.Ordinal)));
        Assert.Equal(Digest("POST", payload), Encoding.UTF8.GetString(uploader.Body.ToArray()));
    }

    [Fact]
    public async Task A_303_after_an_upload_follows_with_a_GET_and_no_body()
    {
        var uploader = new Uploader();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, uploader);
        session.UploadTask(Post(server.Url("/redirect/303?to=/upload-digest")), Payload(1000)).Resume();
        Assert.Null(await uploader.Completed.Task.WaitAsync(Ct));
        Assert.Equal(Digest("GET", []), Encoding.UTF8.GetString(uploader.Body.ToArray()));
    }

    [Fact]
    public async Task A_streamed_upload_without_NeedNewBodyStream_is_refused_at_the_call()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, new RecordingDelegate());
#pragma warning disable US2301 // US2301 reports this at compile time; the test proves the run-time guard behind it
        var e = Assert.Throws<InvalidOperationException>(() => session.UploadTask(Post(server.Url("/upload-digest"))));
#pragma warning restore US2301
        Assert.Contains("NeedNewBodyStream", e.Message, StringComparison.Ordinal);
    }
}

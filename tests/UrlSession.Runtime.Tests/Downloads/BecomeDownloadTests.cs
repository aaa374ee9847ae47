using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Downloads;

[Collection("Download folder")]
public sealed partial class BecomeDownloadTests(TestServer server)
{
    [UrlSessionDelegate]
    private sealed partial class Converter
    {
        public List<string> Events { get; } = [];

        public byte[]? Downloaded { get; private set; }

        public TaskCompletionSource<UrlSessionTask> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ResponseDisposition DidReceiveResponse(UrlSessionDataTask task, UrlResponse response)
        {
            Events.Add($"{task.TaskIdentifier} response");
            return ResponseDisposition.BecomeDownload;
        }

        private void DidReceiveData(UrlSessionDataTask task, ReadOnlyMemory<byte> data) => Events.Add($"{task.TaskIdentifier} data");

        private void DidBecomeDownloadTask(UrlSessionDataTask task, UrlSessionDownloadTask downloadTask) =>
            Events.Add($"{task.TaskIdentifier} became {downloadTask.TaskIdentifier}");

        private void DidWriteData(UrlSessionDownloadTask task, long totalBytesWritten)
        {
            if (Events[^1] != $"{task.TaskIdentifier} write")
                Events.Add($"{task.TaskIdentifier} write");
        }

        private void DidFinishDownloading(UrlSessionDownloadTask task, string location)
        {
            Events.Add($"{task.TaskIdentifier} finish");
            Downloaded = File.ReadAllBytes(location);
        }

        private void DidCompleteWithError(UrlSessionTask task, UrlError? error)
        {
            Events.Add($"{task.TaskIdentifier} complete {(error is null ? "ok" : error.Code)}");
            Completed.TrySetResult(task);
        }
    }

    [Fact]
    public async Task BecomeDownload_hands_the_body_to_a_new_download_task_and_the_data_task_falls_silent()
    {
        var converter = new Converter();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, converter);
        var dataTask = session.DataTask(server.Url("/bytes/600000"));
        dataTask.Resume();
        var completed = await converter.Completed.Task.WaitAsync(TestContext.Current.CancellationToken);

        var download = Assert.IsType<UrlSessionDownloadTask>(completed);
        Assert.Equal(["1 response", "1 became 2", "2 write", "2 finish", "2 complete ok"], converter.Events);
        Assert.Equal(600000, converter.Downloaded!.Length);
        for (int i = 0; i < converter.Downloaded.Length; i++)
            Assert.Equal(TestServer.Pattern(i), converter.Downloaded[i]);
        Assert.Equal(UrlSessionTaskState.Completed, dataTask.State);
        Assert.Equal(200, ((HttpUrlResponse)download.Response!).StatusCode);
        await session.DisposeAsync();
        Assert.DoesNotContain(converter.Events, e => e.StartsWith("1 complete", StringComparison.Ordinal));
    }
}

using System.Net.Sockets;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Downloads;

/// <summary>Download tasks against the loopback server. One collection, so no other test writes download files meanwhile.</summary>
[Collection("Download folder")]
public sealed class DownloadTaskTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string s_folder = Path.Combine(Path.GetTempPath(), "UrlSession", "Downloads");

    internal static string[] DownloadFiles() => Directory.Exists(s_folder) ? Directory.GetFiles(s_folder) : [];

    private static void AssertPattern(byte[] bytes, long size)
    {
        Assert.Equal(size, bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != TestServer.Pattern(i))
                Assert.Fail($"byte {i} is {bytes[i]}, expected {TestServer.Pattern(i)}");
        }
    }

    [Fact]
    public async Task A_download_reports_progress_then_the_file_then_metrics_then_completion_and_deletes_the_file()
    {
        var before = DownloadFiles();
        var recorder = new DownloadRecorder();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        const long size = 3 * 1024 * 1024 + 17;
        var task = session.DownloadTask(server.Url($"/bytes/{size}"));
        task.Resume();
        Assert.Null(await recorder.Completed.Task.WaitAsync(Ct));

        Assert.Equal(["write", "finish", "metrics", "complete ok"], recorder.Events);
        AssertPattern(recorder.BytesAtLocation!, size);
        Assert.False(File.Exists(recorder.Location), "the temporary file must be deleted when DidFinishDownloading returns");
        Assert.Equal(before, DownloadFiles());
        Assert.Equal(size, task.CountOfBytesReceived);
    }

    [Fact]
    public async Task Progress_is_throttled_adds_up_and_always_ends_with_a_final_report()
    {
        var recorder = new DownloadRecorder();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        const long size = 5 * 1024 * 1024 + 1000;
        session.DownloadTask(server.Url($"/bytes/{size}")).Resume();
        Assert.Null(await recorder.Completed.Task.WaitAsync(Ct));
        Assert.Equal(size, recorder.Progress.Sum(p => p.Written));
        Assert.Equal(size, recorder.Progress[^1].Total);
        Assert.All(recorder.Progress, p => Assert.Equal(size, p.Expected));
        Assert.True(recorder.Progress.Count <= 1 + size / (256 * 1024), $"{recorder.Progress.Count} reports");
        Assert.Equal(recorder.Progress.Select(p => p.Total).Order(), recorder.Progress.Select(p => p.Total));
    }

    [Fact]
    public async Task The_delegate_may_move_the_file_and_keeps_it()
    {
        string target = Path.Combine(Path.GetTempPath(), $"urlsession-test-{Guid.NewGuid():N}.bin");
        try
        {
            var recorder = new DownloadRecorder { MoveTo = target };
            await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
            session.DownloadTask(server.Url("/bytes/100000")).Resume();
            Assert.Null(await recorder.Completed.Task.WaitAsync(Ct));
            AssertPattern(File.ReadAllBytes(target), 100000);
        }
        finally
        {
            File.Delete(target);
        }
    }

    [Fact]
    public async Task A_completion_handler_gets_the_file_which_is_deleted_after_it_returns()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var done = new TaskCompletionSource<(string?, byte[]?, UrlError?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.DownloadTask(server.Url("/bytes/70000"), (location, response, error) =>
            done.SetResult((location, location is null ? null : File.ReadAllBytes(location), error))).Resume();
        var (location, bytes, error) = await done.Task.WaitAsync(Ct);
        Assert.Null(error);
        AssertPattern(bytes!, 70000);
        await session.DisposeAsync();
        Assert.False(File.Exists(location));
    }

    [Fact]
    public async Task DownloadAsync_hands_the_caller_a_file_it_owns()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var (location, response) = await session.DownloadAsync(server.Url("/bytes/123456"), Ct);
        try
        {
            await session.DisposeAsync();
            Assert.Equal(200, ((HttpUrlResponse)response).StatusCode);
            AssertPattern(File.ReadAllBytes(location), 123456);
        }
        finally
        {
            File.Delete(location);
        }
    }

    [Fact]
    public async Task An_HTTP_error_body_is_downloaded_like_any_other()
    {
        var recorder = new DownloadRecorder();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DownloadTask(server.Url("/status/404"));
        task.Resume();
        Assert.Null(await recorder.Completed.Task.WaitAsync(Ct));
        Assert.Equal("status 404"u8.ToArray(), recorder.BytesAtLocation);
        Assert.Equal(404, ((HttpUrlResponse)task.Response!).StatusCode);
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_the_body_fails_with_NetworkConnectionLost_and_leaves_no_file()
    {
        var before = DownloadFiles();
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('x', 5000), ct);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        });
        var recorder = new DownloadRecorder();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        session.DownloadTask(raw.Url()).Resume();
        var error = await recorder.Completed.Task.WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, error!.Code);
        Assert.DoesNotContain("finish", recorder.Events);
        Assert.Equal(before, DownloadFiles());
    }

    [Fact]
    public async Task A_cancelled_download_leaves_no_file()
    {
        var before = DownloadFiles();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc", ct);
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        var recorder = new DownloadRecorder();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DownloadTask(raw.Url());
        task.Resume();
        await started.Task.WaitAsync(Ct);
        task.Cancel();
        Assert.Equal(UrlErrorCode.Cancelled, (await recorder.Completed.Task.WaitAsync(Ct))!.Code);
        Assert.Equal(before, DownloadFiles());
    }

    [Fact]
    public async Task A_missing_download_directory_is_created_and_used()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"urlsession-dl-{Guid.NewGuid():N}", "nested");
        try
        {
            var configuration = UrlSessionConfiguration.Ephemeral;
            configuration.DownloadDirectory = folder;
            var recorder = new DownloadRecorder();
            await using var session = new UrlSession(configuration, recorder);
            session.DownloadTask(server.Url("/bytes/5000")).Resume();
            Assert.Null(await recorder.Completed.Task.WaitAsync(Ct));
            Assert.Equal(folder, Path.GetDirectoryName(recorder.Location));
            Assert.Empty(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public async Task An_unusable_download_directory_fails_with_CannotCreateFile_naming_the_setting()
    {
        string file = Path.GetTempFileName();
        try
        {
            var configuration = UrlSessionConfiguration.Ephemeral;
            configuration.DownloadDirectory = Path.Combine(file, "cannot-be-a-folder");
            var recorder = new DownloadRecorder();
            await using var session = new UrlSession(configuration, recorder);
            session.DownloadTask(server.Url("/bytes/5000")).Resume();
            var error = await recorder.Completed.Task.WaitAsync(Ct);
            Assert.Equal(UrlErrorCode.CannotCreateFile, error!.Code);
            Assert.Equal(-3000, (int)error.Code);
            Assert.Contains("DownloadDirectory", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("finish", recorder.Events);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Partial_files_older_than_the_retention_are_swept_and_everything_else_is_kept()
    {
        string folder = Path.Combine(Path.GetTempPath(), "sweep-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string Make(string name, TimeSpan age)
            {
                string path = Path.Combine(folder, name);
                File.WriteAllText(path, name);
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
                return path;
            }
            string stale = Make("UrlSessionDownload_" + new string('a', 32) + ".tmp", TimeSpan.FromDays(3));
            string fresh = Make("UrlSessionDownload_" + new string('b', 32) + ".tmp", TimeSpan.FromHours(1));
            string foreign = Make("UrlSessionDownload_notours.tmp", TimeSpan.FromDays(30));
            string users = Make("report.pdf", TimeSpan.FromDays(30));
            var configuration = UrlSessionConfiguration.Ephemeral;
            configuration.DownloadDirectory = folder;
            configuration.PartialDownloadRetention = TimeSpan.FromDays(2);
            var recorder = new DownloadRecorder();
            await using var session = new UrlSession(configuration, recorder);
            session.DownloadTask(server.Url("/bytes/5000")).Resume();
            Assert.Null(await recorder.Completed.Task.WaitAsync(Ct));
            Assert.False(File.Exists(stale));
            Assert.Equal([fresh, foreign, users], Directory.GetFiles(folder).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_partial_download_retention_must_be_positive_or_infinite()
    {
        var configuration = UrlSessionConfiguration.Default;
        configuration.PartialDownloadRetention = Timeout.InfiniteTimeSpan;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => configuration.PartialDownloadRetention = TimeSpan.Zero);
        Assert.Contains("PartialDownloadRetention", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_download_directory_is_rejected_naming_the_property()
    {
        var e = Assert.Throws<ArgumentException>(() => UrlSessionConfiguration.Default.DownloadDirectory = "relative/folder");
        Assert.Contains("DownloadDirectory", e.Message, StringComparison.Ordinal);
    }
}

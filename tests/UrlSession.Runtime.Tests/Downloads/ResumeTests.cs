using System.Net.Sockets;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Downloads;

/// <summary>
/// Resumable downloads against a raw server that serves one entity of <see cref="Size"/> pattern bytes: the first
/// request stalls after <see cref="StallAfter"/> bytes; a later one answers as <see cref="ResumeTests.Mode"/> says.
/// </summary>
[Collection("Download folder")]
public sealed partial class ResumeTests
{
    private const int Size = 1_000_000;
    private const int StallAfter = 400_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public enum Mode { Continue, IgnoreRange, RangeNotSatisfiable, NewEntity, WrongOffset }

    private static byte[] Entity(string version) =>
        [.. Enumerable.Range(0, Size).Select(i => version == "v1" ? TestServer.Pattern(i) : (byte)(TestServer.Pattern(i) ^ 0x55))];

    private sealed class Server : IAsyncDisposable
    {
        private readonly RawServer _raw;
        private int _requests;

        public Server(Mode mode, bool stallFirst = true, bool reset = false, string? etag = "\"v1\"")
        {
            _raw = new RawServer(async (socket, ct) =>
            {
                string head = await RawServer.ReadRequestHeadAsync(socket, ct);
                Heads.Add(head);
                int n = Interlocked.Increment(ref _requests);
                // Every answer closes its connection, as this server serves one request per connection.
                string tagLine = (etag is null ? "" : $"ETag: {etag}\r\n") + "Connection: close\r\n";
                var v1 = Entity("v1");
                if (n == 1)
                {
                    await RawServer.SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {Size}\r\n{tagLine}\r\n", ct);
                    await RawServer.SendAsync(socket, v1.AsMemory(0, StallAfter), ct);
                    if (reset)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                        socket.Close();
                        return;
                    }
                    await Task.Delay(Timeout.Infinite, ct);
                }
                string[] range = head.Split("Range: bytes=");
                long from = range.Length > 1 ? long.Parse(range[1].Split('-')[0]) : -1;
                switch (from < 0 ? (Mode)(-1) : mode)
                {
                    case Mode.Continue when n == 2:
                        await SendRangeAsync(socket, v1, from, from, tagLine, ct);
                        break;
                    case Mode.WrongOffset when n == 2:
                        await SendRangeAsync(socket, v1, from - 10, from - 10, tagLine, ct);
                        break;
                    case Mode.RangeNotSatisfiable when n == 2:
                        await RawServer.SendAsync(socket, $"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{Size}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
                        break;
                    case Mode.NewEntity when n == 2:
                        await SendRangeAsync(socket, Entity("v2"), from, from, "ETag: \"v2\"\r\nConnection: close\r\n", ct);
                        break;
                    default:
                        var body = mode == Mode.NewEntity ? Entity("v2") : v1;
                        string tag = mode == Mode.NewEntity ? "ETag: \"v2\"\r\nConnection: close\r\n" : tagLine;
                        await RawServer.SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {Size}\r\n{tag}\r\n", ct);
                        await RawServer.SendAsync(socket, body, ct);
                        break;
                }
            });
        }

        public List<string> Heads { get; } = [];

        public Uri Url => _raw.Url("/file.bin");

        private static async Task SendRangeAsync(Socket socket, byte[] entity, long claimed, long from, string tagLine, CancellationToken ct)
        {
            await RawServer.SendAsync(socket, $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {claimed}-{Size - 1}/{Size}\r\nContent-Length: {Size - from}\r\n{tagLine}\r\n", ct);
            await RawServer.SendAsync(socket, entity.AsMemory((int)from), ct);
        }

        public ValueTask DisposeAsync() => _raw.DisposeAsync();
    }

    [UrlSessionDelegate]
    private sealed partial class Resumer
    {
        public TaskCompletionSource Progressed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<UrlError?> Completed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Events { get; } = [];

        public byte[]? Downloaded { get; private set; }

        public void Reset()
        {
            Completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Events.Clear();
        }

        private void DidResumeAtOffset(long fileOffset, long expectedTotalBytes) => Events.Add($"resume {fileOffset} {expectedTotalBytes}");

        private void DidWriteData(long totalBytesWritten)
        {
            if (totalBytesWritten >= 256 * 1024)
                Progressed.TrySetResult();
        }

        private void DidFinishDownloading(string location) => Downloaded = File.ReadAllBytes(location);

        private void DidCompleteWithError(UrlError? error) => Completed.TrySetResult(error);
    }

    private static async Task<(ResumeData Data, Resumer Delegate, UrlSession Session)> InterruptAsync(Server server)
    {
        var resumer = new Resumer();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, resumer);
        var task = session.DownloadTask(server.Url);
        task.Resume();
        await resumer.Progressed.Task.WaitAsync(Ct);
        var data = await task.CancelByProducingResumeDataAsync();
        Assert.NotNull(data);
        var error = await resumer.Completed.Task.WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.Cancelled, error!.Code);
        Assert.Same(data, error.ResumeData);
        Assert.InRange(data.BytesOnDisk, 256 * 1024, StallAfter);
        resumer.Reset();
        return (data, resumer, session);
    }

    private static async Task<byte[]> ResumeAsync(ResumeData data, Resumer resumer, UrlSession session)
    {
        // Through bytes, as an app that saved the resume data to disk would.
        session.DownloadTask(ResumeData.FromBytes(data.ToArray())).Resume();
        Assert.Null(await resumer.Completed.Task.WaitAsync(Ct));
        return resumer.Downloaded!;
    }

    [Fact]
    public async Task A_resumed_download_asks_for_the_rest_with_Range_and_If_Range_and_the_file_is_exact()
    {
        await using var server = new Server(Mode.Continue);
        var (data, resumer, session) = await InterruptAsync(server);
        await using var _ = session;
        Assert.Equal(Entity("v1"), await ResumeAsync(data, resumer, session));
        Assert.Equal($"resume {data.BytesOnDisk} {Size}", resumer.Events[0]);
        Assert.Contains($"Range: bytes={data.BytesOnDisk}-", server.Heads[1], StringComparison.Ordinal);
        Assert.Contains("If-Range: \"v1\"", server.Heads[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Mode.IgnoreRange, "v1")]
    [InlineData(Mode.RangeNotSatisfiable, "v1")]
    [InlineData(Mode.NewEntity, "v2")]
    [InlineData(Mode.WrongOffset, "v1")]
    public async Task When_the_server_cannot_continue_the_same_bytes_the_download_restarts_from_zero(Mode mode, string expected)
    {
        await using var server = new Server(mode);
        var (data, resumer, session) = await InterruptAsync(server);
        await using var _ = session;
        Assert.Equal(Entity(expected), await ResumeAsync(data, resumer, session));
        Assert.Equal($"resume 0 {Size}", resumer.Events[0]);
    }

    [Fact]
    public async Task A_failed_download_carries_resume_data_in_its_error()
    {
        await using var server = new Server(Mode.Continue, reset: true);
        var resumer = new Resumer();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, resumer);
        session.DownloadTask(server.Url).Resume();
        var error = await resumer.Completed.Task.WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, error!.Code);
        Assert.NotNull(error.ResumeData);
        resumer.Reset();
        Assert.Equal(Entity("v1"), await ResumeAsync(error.ResumeData!, resumer, session));
    }

    [Fact]
    public async Task A_full_disk_ends_with_CannotWriteToFile_and_resume_data_that_finishes_the_file_once_space_is_free()
    {
        string folder = Path.Combine(Path.GetTempPath(), "full-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        // A real file system that runs out of space: a 256 KiB tmpfs (mounting needs root; elsewhere the test says so and skips).
        if (await RunAsync("mount", $"-t tmpfs -o size=256k tmpfs {folder}") != 0)
        {
            Directory.Delete(folder);
            Assert.Skip("Mounting a small tmpfs needs root (CAP_SYS_ADMIN); run the tests as root to check a real full disk.");
        }
        try
        {
            await using var server = new Server(Mode.Continue);
            var configuration = UrlSessionConfiguration.Ephemeral;
            configuration.DownloadDirectory = folder;
            var resumer = new Resumer();
            await using var session = new UrlSession(configuration, resumer);
            session.DownloadTask(server.Url).Resume();
            var error = await resumer.Completed.Task.WaitAsync(Ct);
            Assert.Equal(UrlErrorCode.CannotWriteToFile, error!.Code);
            var data = Assert.IsType<ResumeData>(error.ResumeData);
            Assert.InRange(data.BytesOnDisk, 1, 256 * 1024);
            var partial = Assert.Single(Directory.GetFiles(folder));
            Assert.Equal(Entity("v1").AsSpan(0, (int)data.BytesOnDisk), File.ReadAllBytes(partial).AsSpan(0, (int)data.BytesOnDisk));

            Assert.Equal(0, await RunAsync("mount", $"-o remount,size=4m {folder}"));
            resumer.Reset();
            Assert.Equal(Entity("v1"), await ResumeAsync(data, resumer, session));
            Assert.Equal($"resume {data.BytesOnDisk} {Size}", resumer.Events[0]);
            Assert.Empty(Directory.GetFiles(folder));
        }
        finally
        {
            await RunAsync("umount", folder);
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string command, string arguments)
    {
        if (!OperatingSystem.IsLinux())
            return -1;
        var start = new System.Diagnostics.ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            await process.WaitForExitAsync(Ct);
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    [Fact]
    public async Task Without_a_validator_there_is_no_resume_data_and_no_file_left()
    {
        await using var server = new Server(Mode.Continue, etag: null);
        var before = DownloadTaskTests.DownloadFiles();
        var resumer = new Resumer();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, resumer);
        var task = session.DownloadTask(server.Url);
        task.Resume();
        await resumer.Progressed.Task.WaitAsync(Ct);
        Assert.Null(await task.CancelByProducingResumeDataAsync());
        Assert.Null((await resumer.Completed.Task)!.ResumeData);
        Assert.Equal(before, DownloadTaskTests.DownloadFiles());
    }

    [Fact]
    public async Task Corrupt_truncated_foreign_or_escaping_resume_data_is_refused_with_a_clear_error()
    {
        await using var server = new Server(Mode.Continue);
        var (data, _, session) = await InterruptAsync(server);
        await using var _ = session;
        byte[] good = data.ToArray();

        var flipped = (byte[])good.Clone();
        flipped[20] ^= 1;
        foreach (var bad in new[] { flipped, good[..^5], "not resume data at all"u8.ToArray(), [] })
        {
            var e = Assert.Throws<UrlError>(() => ResumeData.FromBytes(bad));
            Assert.Equal(UrlErrorCode.CannotDecodeRawData, e.Code);
            Assert.Contains("resume data cannot be used", e.Message, StringComparison.Ordinal);
        }

        // A well-formed blob that names a path outside the download folder is refused before any file is touched.
        var escaping = new ResumeData(data.Url, data.Headers, "\"v1\"", null, "../../etc/passwd", 10, Size);
        var escape = Assert.Throws<UrlError>(() => ResumeData.FromBytes(escaping.ToArray()));
        Assert.Contains("outside the download folder", escape.Message, StringComparison.Ordinal);
    }
}

using System.Net.Sockets;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Downloads;

/// <summary>
/// Randomized fault injection for resumable downloads. A raw server resets, truncates, ignores ranges (206 → 200),
/// answers 416, lies in Content-Range, and swaps the file between attempts. The client resumes from resume data when
/// it gets some and starts over otherwise. Every finished file must be exactly one version of the entity, byte for
/// byte: a file mixing two versions, or with a hole, is corruption. CI runs a bounded number of cases;
/// set URLSESSION_FAULT_CASES to run more (the closing note reports a 10,000-case run).
/// </summary>
[Collection("Download folder")]
public sealed partial class FaultInjectionTests
{
    private const int MaxAttempts = 30;
    private const int WellBehavedFrom = 20;

    private sealed class Entity
    {
        public int Version { get; private set; } = 1;

        public int Size { get; private set; }

        public string ETag => $"\"v{Version}\"";

        public byte[] Bytes { get; private set; } = [];

        public static byte[] Of(int version, int size) => [.. Enumerable.Range(0, size).Select(i => (byte)(i * 31 + version * 101 + i / 977))];

        public void Swap(Random random)
        {
            Version++;
            Size = random.Next(20_000, 200_000);
            Bytes = Of(Version, Size);
        }

        public void Reset(Random random)
        {
            Version = 0;
            Swap(random);
        }
    }

    [UrlSessionDelegate]
    private sealed partial class Collector
    {
        public byte[]? Finished { get; private set; }

        public TaskCompletionSource<UrlError?> Completed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Next() => Completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private void DidFinishDownloading(string location) => Finished = File.ReadAllBytes(location);

        private void DidCompleteWithError(UrlError? error) => Completed.TrySetResult(error);
    }

    [Fact]
    public async Task Resumed_downloads_never_produce_a_corrupt_file_whatever_the_server_does()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("URLSESSION_FAULT_CASES"), out int n) ? n : 150;
        var entity = new Entity();
        var random = new Random(20261125);
        int attempt = 0;
        var faults = new Dictionary<string, int>();
        void Count(string fault)
        {
            lock (faults)
                faults[fault] = faults.GetValueOrDefault(fault) + 1;
        }

        await using var server = new RawServer(async (socket, ct) =>
        {
            string head = await RawServer.ReadRequestHeadAsync(socket, ct);
            Random r;
            lock (random)
                r = new Random(random.Next());
            bool faulty = Volatile.Read(ref attempt) < WellBehavedFrom;
            if (faulty && r.NextDouble() < 0.15)
            {
                entity.Swap(r);
                Count("swap");
            }
            var bytes = entity.Bytes;
            string etag = entity.ETag;
            long from = 0;
            string status = "200 OK", contentRange = "";
            if (TryRange(head, out long requested, out string? ifRange))
            {
                double roll = faulty ? r.NextDouble() : 1;
                if (ifRange != etag && roll > 0.2)
                {
                    Count("if-range mismatch: 200");
                }
                else if (roll < 0.1 && requested < bytes.Length)
                {
                    // A broken server: the rest of the new file under a 206, with its new ETag.
                    (status, from, contentRange) = ("206 Partial Content", requested, $"Content-Range: bytes {requested}-{bytes.Length - 1}/{bytes.Length}\r\n");
                    Count("206 of another version");
                }
                else if (roll < 0.2)
                {
                    Count("206 flipped to 200");
                }
                else if (roll < 0.3)
                {
                    await RawServer.SendAsync(socket, $"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{bytes.Length}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
                    Count("416");
                    return;
                }
                else if (roll < 0.4 && requested > 10 && requested <= bytes.Length)
                {
                    // Not the range asked for: the client must notice and start over rather than splice it in.
                    long other = requested - r.Next(1, 10);
                    (status, from, contentRange) = ("206 Partial Content", other, $"Content-Range: bytes {other}-{bytes.Length - 1}/{bytes.Length}\r\n");
                    Count("Content-Range not the one asked for");
                }
                else if (requested < bytes.Length)
                {
                    (status, from, contentRange) = ("206 Partial Content", requested, $"Content-Range: bytes {requested}-{bytes.Length - 1}/{bytes.Length}\r\n");
                }
            }
            long length = bytes.Length - from;
            await RawServer.SendAsync(socket, $"HTTP/1.1 {status}\r\nContent-Length: {length}\r\nETag: {etag}\r\n{contentRange}Connection: close\r\n\r\n", ct);
            double cut = faulty ? r.NextDouble() : 1;
            int sent = cut < 0.5 && length > 0 ? r.Next(0, (int)length) : (int)length;
            await RawServer.SendAsync(socket, bytes.AsMemory((int)from, sent), ct);
            if (sent < length && cut < 0.25)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
                Count("reset");
            }
            else if (sent < length)
            {
                socket.Shutdown(SocketShutdown.Send);
                Count("truncated");
            }
        });

        var collector = new Collector();
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(10);
        await using var session = new UrlSession(configuration, collector);
        int corrupt = 0, resumed = 0, restarted = 0;
        for (int c = 0; c < cases; c++)
        {
            lock (random)
                entity.Reset(random);
            Volatile.Write(ref attempt, 0);
            ResumeData? resume = null;
            UrlError? error = null;
            for (; Volatile.Read(ref attempt) < MaxAttempts; Interlocked.Increment(ref attempt))
            {
                collector.Next();
                var task = resume is null ? session.DownloadTask(server.Url($"/case{c}")) : session.DownloadTask(resume);
                task.Resume();
                error = await collector.Completed.Task.WaitAsync(TestContext.Current.CancellationToken);
                if (error is null)
                    break;
                if (error.ResumeData is not null)
                    resumed++;
                else
                    restarted++;
                resume = error.ResumeData;
            }
            Assert.Null(error);
            var expected = Entity.Of(entity.Version, entity.Size);
            if (!collector.Finished!.AsSpan().SequenceEqual(expected))
                corrupt++;
        }
        var report = new StringBuilder($"{cases} cases, {corrupt} corrupt, {resumed} resumes, {restarted} restarts; faults: ");
        report.AppendJoin(", ", faults.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"));
        TestContext.Current.SendDiagnosticMessage(report.ToString());
        Console.WriteLine(report);
        Assert.True(corrupt == 0, report.ToString());
        Assert.True(resumed > 0 && faults.Count >= 6, report.ToString());
    }

    private static bool TryRange(string head, out long from, out string? ifRange)
    {
        from = 0;
        ifRange = null;
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Range: bytes=", StringComparison.OrdinalIgnoreCase))
                from = long.Parse(line["Range: bytes=".Length..].Split('-')[0]);
            else if (line.StartsWith("If-Range: ", StringComparison.OrdinalIgnoreCase))
                ifRange = line["If-Range: ".Length..];
        }
        return from > 0;
    }
}

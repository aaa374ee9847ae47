using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cookies;

/// <summary>
/// The shared cookie storage outlives the process (cookies with an expiry, in a private file under
/// <c>$XDG_DATA_HOME</c>); the ephemeral configuration's never touches the disk; every change is announced.
/// </summary>
public sealed class PersistentCookieTests(TestServer server) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cookies-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private HttpCookieStorage Open(TimeProvider? time = null) => new(new CookieFile(_folder), time ?? TimeProvider.System);

    private Uri SetCookie(params string[] cookies) =>
        server.Url("/set-cookie?" + string.Join("&", cookies.Select(c => "c=" + Uri.EscapeDataString(c))));

    private static async Task<string> GetAsync(UrlSession session, Uri url)
    {
        var (data, _) = await session.DataAsync(url, Ct);
        return Encoding.UTF8.GetString(data);
    }

    private static UrlSession SessionWith(HttpCookieStorage storage)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpCookieStorage = storage;
        return new UrlSession(configuration);
    }

    [Fact]
    public async Task A_cookie_with_an_expiry_is_there_for_the_next_launch_and_a_session_cookie_is_not()
    {
        await using (var session = SessionWith(Open()))
            await GetAsync(session, SetCookie("kept=1; Path=/; Max-Age=3600; HttpOnly", "session=2; Path=/"));

        var next = Open();
        var kept = Assert.Single(next.Cookies);
        Assert.Equal(("kept", "1", "127.0.0.1", true, true), (kept.Name, kept.Value, kept.Domain, kept.IsHostOnly, kept.IsHttpOnly));
        await using var relaunched = SessionWith(next);
        Assert.Equal("kept=1", await GetAsync(relaunched, server.Url("/cookies/relaunched")));
    }

    [Fact]
    public void The_file_is_0600_in_a_0700_folder_and_deleted_or_expired_cookies_do_not_come_back()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var storage = Open(time);
        var brief = new HttpCookie("brief", "1", "example.com") { ExpiresDate = time.Now.AddHours(1) };
        var deleted = new HttpCookie("deleted", "2", "example.com") { ExpiresDate = time.Now.AddDays(30) };
        storage.SetCookie(brief);
        storage.SetCookie(deleted);
        storage.DeleteCookie(deleted);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, CookieFile.FileName)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_folder));
        }
        Assert.Equal(["brief"], Open(time).Cookies.Select(c => c.Name));
        time.Now += TimeSpan.FromHours(2);
        Assert.Empty(Open(time).Cookies);
    }

    [Fact]
    public void A_file_that_is_not_this_users_own_is_not_read()
    {
        Open().SetCookie(new HttpCookie("a", "1", "example.com") { ExpiresDate = DateTimeOffset.UtcNow.AddDays(1) });
        if (OperatingSystem.IsWindows())
            return;
        string file = Path.Combine(_folder, CookieFile.FileName);
        string elsewhere = Path.Combine(_folder, "elsewhere.json");
        File.Move(file, elsewhere);
        File.CreateSymbolicLink(file, elsewhere);

        Assert.Empty(Open().Cookies);
    }

    [Fact]
    public void The_shared_storage_keeps_its_file_under_XDG_DATA_HOME_and_default_sessions_use_it()
    {
        string expected = Path.Combine(Environment.GetEnvironmentVariable("XDG_DATA_HOME")!, "UrlSession", Background.BackgroundPaths.AppIdentity, "cookies.json");

        Assert.Equal(expected, HttpCookieStorage.Shared.PersistentFile!.FilePath);
        Assert.Same(HttpCookieStorage.Shared, UrlSessionConfiguration.Default.HttpCookieStorage);
        Assert.Null(UrlSessionConfiguration.Ephemeral.HttpCookieStorage!.PersistentFile);
        Assert.Null(new HttpCookieStorage().PersistentFile);
    }

    [Fact]
    public async Task CookiesChanged_is_raised_once_per_change_and_not_for_a_call_that_changes_nothing()
    {
        var storage = new HttpCookieStorage();
        int raised = 0;
        storage.CookiesChanged += (sender, _) =>
        {
            Assert.Same(storage, sender);
            Interlocked.Increment(ref raised);
        };
        var cookie = new HttpCookie("a", "1", "127.0.0.1") { IsHostOnly = true };

        storage.SetCookie(cookie);
        storage.DeleteCookie(new HttpCookie("absent", "1", "127.0.0.1"));
        storage.SetCookies([new HttpCookie("b", "2", "127.0.0.1"), new HttpCookie("c", "3", "127.0.0.1")], server.Url("/"), null);
        storage.RemoveCookies(DateTimeOffset.MaxValue);
        storage.DeleteCookie(cookie);
        Assert.Equal(3, raised);

        await using var session = SessionWith(storage);
        await GetAsync(session, SetCookie("d=4; Path=/"));
        await GetAsync(session, server.Url("/cookies/unchanged"));
        Assert.Equal(4, raised);
        await session.ResetAsync();
        Assert.Equal(5, raised);
        Assert.Empty(storage.Cookies);
    }

    [Fact]
    public async Task The_task_forms_store_and_read_for_the_tasks_current_request_and_its_main_document()
    {
        var storage = new HttpCookieStorage { CookieAcceptPolicy = HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain };
        await using var session = SessionWith(storage);
        var own = session.DataTask(server.Url("/cookies/task"));
        var embedded = session.DataTask(new UrlRequest(server.Url("/cookies/task")) { MainDocumentUrl = new Uri("https://tracker.example/") });

        storage.StoreCookies([new HttpCookie("mine", "1", "127.0.0.1")], own);
        storage.StoreCookies([new HttpCookie("theirs", "2", "127.0.0.1")], embedded);

        Assert.Equal(["mine"], storage.CookiesFor(own).Select(c => c.Name));
        own.Cancel();
        embedded.Cancel();
    }
}

/// <summary>The ephemeral configuration's cookies stay in memory: nothing is written, anywhere.</summary>
[Collection("Alone")]
public sealed class EphemeralCookieTests(TestServer server)
{
    [Fact]
    public async Task An_ephemeral_session_keeps_cookies_with_an_expiry_in_memory_and_writes_no_file()
    {
        // A storage keeps its file under $XDG_DATA_HOME (this test process's own folder): nothing may appear there.
        // Other folders are not watched: other processes of this user write to the shared temp and home folders.
        string data = Environment.GetEnvironmentVariable("XDG_DATA_HOME")!;
        Directory.CreateDirectory(data);
        var watched = new[] { data };
        var written = new System.Collections.Concurrent.ConcurrentQueue<string>();
        string marker = Path.Combine(data, "watch-marker-" + Guid.NewGuid().ToString("N"));
        var markerSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watchers = watched.Select(folder =>
        {
            var watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite };
            watcher.Created += (_, e) => Seen(e.FullPath);
            watcher.Changed += (_, e) => Seen(e.FullPath);
            watcher.EnableRaisingEvents = true;
            return watcher;
        }).ToList();
        try
        {
            var configuration = UrlSessionConfiguration.Ephemeral;
            await using var session = new UrlSession(configuration);
            var url = server.Url("/set-cookie?c=" + Uri.EscapeDataString("remembered=1; Path=/; Max-Age=86400"));
            await session.DataAsync(url, TestContext.Current.CancellationToken);
            var (sent, _) = await session.DataAsync(server.Url("/cookies/ephemeral"), TestContext.Current.CancellationToken);
            Assert.Equal("remembered=1", Encoding.UTF8.GetString(sent));
            Assert.Null(configuration.HttpCookieStorage!.PersistentFile);
            // Events arrive in order: once the marker written after the requests is seen, a file the session wrote would have been.
            await File.WriteAllTextAsync(marker, "x", TestContext.Current.CancellationToken);
            await markerSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            File.Delete(marker);
            Assert.Equal([marker], written.Distinct());
        }
        finally
        {
            watchers.ForEach(w => w.Dispose());
        }

        void Seen(string path)
        {
            written.Enqueue(path);
            if (path == marker)
                markerSeen.TrySetResult();
        }
    }
}

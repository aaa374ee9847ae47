using System.Runtime.Versioning;
using UrlLoading.Security;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Security;

/// <summary>
/// Another local user, acting for real as a second OS user, can neither read, replace nor steer this user's downloads
/// and cache: every folder the library keeps is this user's alone (0700), every file 0600, and a partial file is
/// never reopened through a symlink.
/// </summary>
[Collection("Download folder")]
[UnsupportedOSPlatform("windows")]
public sealed class LocalUserAttackTests(TestServer server)
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_default_download_folder_is_the_users_alone_and_its_files_0600()
    {
        OtherUser.RequireOrSkip();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var seen = new TaskCompletionSource<(UnixFileMode Folder, UnixFileMode File, (int Code, string Output, string Error) Read, (int Code, string Output, string Error) List)>();
        session.DownloadTask(server.Url("/bytes/4096"), (location, _, error) =>
        {
            Assert.Null(error);
            string folder = Path.GetDirectoryName(location!)!;
            // As the attacker, while the file is there: read it, list the folder.
            var read = OtherUser.RunAsync("/bin/cat", location!).GetAwaiter().GetResult();
            var list = OtherUser.RunAsync("/bin/ls", folder).GetAwaiter().GetResult();
            seen.SetResult((File.GetUnixFileMode(folder), File.GetUnixFileMode(location!), read, list));
        }).Resume();
        var (folderMode, fileMode, attackerRead, attackerList) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(PrivateFolder.Mode, folderMode);
        Assert.Equal(Private, fileMode);
        Assert.NotEqual(0, attackerRead.Code);
        Assert.Contains("Permission denied", attackerRead.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, attackerList.Code);
        Assert.Contains("Permission denied", attackerList.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.Combine(Path.GetTempPath(), "UrlSession", "Downloads"), DownloadFolder.DefaultPath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_folder_another_user_made_first_is_refused_and_gets_no_file()
    {
        OtherUser.RequireOrSkip();
        using var shared = new SharedFolder();
        string squatted = Path.Combine(shared.Path, "downloads");
        Assert.Equal(0, (await OtherUser.ShellAsync($"mkdir '{squatted}' && chmod 777 '{squatted}'")).Code);
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.DownloadDirectory = squatted;
        await using var session = new UrlSession(configuration);

        var error = await Assert.ThrowsAsync<UrlError>(() => session.DownloadAsync(server.Url("/bytes/4096"), Ct));

        Assert.Equal(UrlErrorCode.CannotCreateFile, error.Code);
        Assert.Contains($"belongs to another user (uid {OtherUser.Uid}", error.Message, StringComparison.Ordinal);
        Assert.Contains("UrlSessionConfiguration.DownloadDirectory", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(squatted));
    }

    [Fact]
    public async Task A_private_folder_another_user_made_first_or_replaced_by_a_symlink_is_refused_with_the_fix()
    {
        OtherUser.RequireOrSkip();
        using var shared = new SharedFolder();
        string squatted = Path.Combine(shared.Path, "UrlSession-" + PeerCredentials.EffectiveUserId);
        string linked = Path.Combine(shared.Path, "linked");
        Assert.Equal(0, (await OtherUser.ShellAsync($"mkdir '{squatted}' && chmod 777 '{squatted}' && ln -s '{squatted}' '{linked}'")).Code);

        var owned = Assert.Throws<UnauthorizedAccessException>(() => PrivateFolder.Ensure(squatted, "SETTING"));
        var link = Assert.Throws<UnauthorizedAccessException>(() => PrivateFolder.Ensure(linked, "SETTING"));

        Assert.Contains($"belongs to another user (uid {OtherUser.Uid}", owned.Message, StringComparison.Ordinal);
        Assert.Contains("is a symbolic link", link.Message, StringComparison.Ordinal);
        Assert.Contains("set SETTING to a folder of your own", link.Message, StringComparison.Ordinal);
        // Nothing was created through the link, and the attacker's folder kept its mode.
        Assert.Empty(Directory.EnumerateFileSystemEntries(squatted));
        Assert.Equal((UnixFileMode)Convert.ToInt32("777", 8), File.GetUnixFileMode(squatted));
    }

    [Fact]
    public async Task Resuming_never_writes_through_a_symlink_another_user_put_at_the_partial_files_name()
    {
        OtherUser.RequireOrSkip();
        using var shared = new SharedFolder();
        string secret = Path.Combine(shared.Owned, "secret");
        await File.WriteAllTextAsync(secret, "the victim's own file", Ct);
        File.SetUnixFileMode(secret, Private);
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.DownloadDirectory = shared.Path; // a folder the app chose that other users may write to (sticky, like /tmp)
        await using var stalling = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nETag: \"v1\"\r\n\r\n", ct);
            await RawServer.SendAsync(socket, new byte[400_000], ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var progress = new Progress();
        await using var session = new UrlSession(configuration, progress);
        var task = session.DownloadTask(stalling.Url("/file"));
        var progressed = progress.Written(task);
        task.Resume();
        await progressed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var resume = await task.CancelByProducingResumeDataAsync();
        Assert.NotNull(resume);
        string partial = resume.FilePathIn(shared.Path);
        // The partial file is gone (swept, or deleted by its owner); the attacker puts a symlink in its place.
        File.Delete(partial);
        Assert.Equal(0, (await OtherUser.RunAsync("/bin/ln", "-s", secret, partial)).Code);

        var resumed = session.DownloadTask(resume);
        resumed.Resume();
        var error = await progress.Completed(resumed).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.NotNull(error);
        Assert.Equal(UrlErrorCode.CannotOpenFile, error.Code);
        Assert.Contains("is a symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Equal("the victim's own file", await File.ReadAllTextAsync(secret, Ct));
        Assert.Equal(Private, File.GetUnixFileMode(secret));
    }

    [Fact]
    public async Task The_disk_cache_folder_is_0700_and_its_index_and_bodies_0600_unreadable_to_another_user()
    {
        OtherUser.RequireOrSkip();
        using var shared = new SharedFolder();
        string folder = Path.Combine(shared.Path, "cache");
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.UrlCache = new UrlCache(1 << 20, 50 << 20, folder);
        await using var session = new UrlSession(configuration);
        await session.DataAsync(server.Url("/cache/local-user?cc=max-age=600&pad=2000"), Ct);

        string[] files = [.. Directory.EnumerateFiles(folder)];
        Assert.Equal(PrivateFolder.Mode, File.GetUnixFileMode(folder));
        Assert.Contains(files, f => f.EndsWith(".body", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("index.db", StringComparison.Ordinal));
        Assert.All(files, f => Assert.Equal(Private, File.GetUnixFileMode(f)));
        // Even with the folder opened up, the files themselves stay closed to the attacker.
        File.SetUnixFileMode(folder, PrivateFolder.Mode | UnixFileMode.OtherExecute);
        foreach (var file in files)
        {
            var read = await OtherUser.RunAsync("/bin/cat", file);
            Assert.Contains("Permission denied", read.Error, StringComparison.Ordinal);
        }
    }

    /// <summary>A folder like /tmp (1777, sticky) where any user may create names, with a private subfolder of this user's.</summary>
    private sealed class SharedFolder : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("urlsession-local-user-").FullName;

        public SharedFolder()
        {
            File.SetUnixFileMode(_root, (UnixFileMode)Convert.ToInt32("711", 8));
            Path = Directory.CreateDirectory(System.IO.Path.Combine(_root, "tmp")).FullName;
            File.SetUnixFileMode(Path, (UnixFileMode)Convert.ToInt32("1777", 8));
            Owned = Directory.CreateDirectory(System.IO.Path.Combine(_root, "victim"), PrivateFolder.Mode).FullName;
        }

        public string Path { get; }

        public string Owned { get; }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }

    /// <summary>Signals when a download passed 256 KiB, and records each task's completion.</summary>
    private sealed class Progress : IUrlSessionDelegate
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<UrlSessionTask, TaskCompletionSource> _written = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<UrlSessionTask, TaskCompletionSource<UrlError?>> _completed = new();

        public UrlSessionCallbacks Callbacks => UrlSessionCallbacks.DidWriteData | UrlSessionCallbacks.DidCompleteWithError;

        public Task Written(UrlSessionTask task) => _written.GetOrAdd(task, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public Task<UrlError?> Completed(UrlSessionTask task) => _completed.GetOrAdd(task, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public ValueTask DidWriteData(UrlSession session, UrlSessionDownloadTask task, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite)
        {
            if (totalBytesWritten >= 256 * 1024)
                _written.GetOrAdd(task, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return default;
        }

        public ValueTask DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error)
        {
            _completed.GetOrAdd(task, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(error);
            return default;
        }
    }
}

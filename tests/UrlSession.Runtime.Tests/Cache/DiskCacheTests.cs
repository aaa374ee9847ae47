using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cache;

/// <summary>The cache's disk store: an SQLite index and body files that outlive the cache object (and the process).</summary>
public sealed class DiskCacheTests(TestServer server) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "disk-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private string Fresh() => $"/cache/d{Guid.NewGuid():N}?cc=max-age%3D3600";

    private static async Task<string> GetAsync(UrlCache cache, Uri url, RequestCachePolicy policy = RequestCachePolicy.UseProtocolCachePolicy)
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.UrlCache = cache;
        await using var session = new UrlSession(configuration);
        var (data, _) = await session.DataAsync(new UrlRequest(url) { CachePolicy = policy }, Ct);
        return Encoding.UTF8.GetString(data);
    }

    [Fact]
    public async Task A_response_stored_on_disk_is_served_by_a_new_cache_on_the_same_folder_without_the_network()
    {
        var url = server.Url(Fresh());
        string first = await GetAsync(new UrlCache(1 << 20, 1 << 20, _folder), url);
        Assert.True(File.Exists(Path.Combine(_folder, "index.db")));
        Assert.Single(Directory.GetFiles(_folder, "*.body"));

        // A new cache object on the same folder is what the next process gets.
        var reopened = new UrlCache(1 << 20, 1 << 20, _folder);
        Assert.True(reopened.CurrentDiskUsage > 0);
        Assert.Equal(first, await GetAsync(reopened, url, RequestCachePolicy.ReturnCacheDataDoNotLoad));
    }

    [Fact]
    public async Task Memory_only_responses_and_a_zero_disk_capacity_write_nothing()
    {
        var memoryOnly = new UrlCache(1 << 20, 1 << 20, _folder);
        var url = server.Url(Fresh());
        await GetAsync(memoryOnly, url);
        var stored = memoryOnly.CachedResponse(new UrlRequest(url))!;
        memoryOnly.StoreCachedResponse(stored with { StoragePolicy = UrlCacheStoragePolicy.AllowedInMemoryOnly }, new UrlRequest(url));
        Assert.Empty(Directory.GetFiles(_folder, "*.body"));

        string other = Path.Combine(_folder, "none");
        await GetAsync(new UrlCache(1 << 20, 0, other), server.Url(Fresh()));
        Assert.False(Directory.Exists(other));
    }

    [Fact]
    public async Task The_disk_store_evicts_the_least_recently_used_bodies_at_capacity()
    {
        // Bodies of about 38 bytes, no memory store: room for about 21 on disk, each within 5% of the capacity.
        var cache = new UrlCache(0, 800, _folder);
        var kept = server.Url(Fresh());
        await GetAsync(cache, kept);
        var others = Enumerable.Range(0, 30).Select(_ => server.Url(Fresh())).ToList();
        foreach (var other in others)
        {
            await GetAsync(cache, other);
            await GetAsync(cache, kept, RequestCachePolicy.ReturnCacheDataDoNotLoad);   // read back: now the most recent
        }
        Assert.NotNull(cache.CachedResponse(new UrlRequest(kept)));
        Assert.Null(cache.CachedResponse(new UrlRequest(others[0])));
        Assert.NotNull(cache.CachedResponse(new UrlRequest(others[^1])));
        int stored = others.Count(o => cache.CachedResponse(new UrlRequest(o)) is not null);
        Assert.InRange(stored, 15, 21);
        Assert.InRange(cache.CurrentDiskUsage, 1, 800);
        Assert.Equal(stored + 1, Directory.GetFiles(_folder, "*.body").Length);
    }

    [Fact]
    public async Task A_response_too_large_for_the_memory_store_is_kept_on_disk_only()
    {
        var cache = new UrlCache(10_000, 1 << 20, _folder);   // memory keeps up to 500 bytes, disk up to 52,428
        var url = server.Url(Fresh() + "&pad=5000");
        string body = await GetAsync(cache, url);
        Assert.Equal(0, cache.CurrentMemoryUsage);
        Assert.Single(Directory.GetFiles(_folder, "*.body"));
        Assert.Equal(body, await GetAsync(cache, url, RequestCachePolicy.ReturnCacheDataDoNotLoad));
        Assert.Equal(0, cache.CurrentMemoryUsage);
    }

    [Fact]
    public async Task Removing_responses_removes_their_files()
    {
        var cache = new UrlCache(1 << 20, 1 << 20, _folder);
        var url = server.Url(Fresh());
        await GetAsync(cache, url);
        cache.RemoveCachedResponse(new UrlRequest(url));
        Assert.Empty(Directory.GetFiles(_folder, "*.body"));
        await GetAsync(cache, server.Url(Fresh()));
        cache.RemoveAllCachedResponses();
        Assert.Empty(Directory.GetFiles(_folder, "*.body"));
        Assert.Equal(0, cache.CurrentDiskUsage);
    }

    [Fact]
    public async Task A_cache_whose_folder_cannot_be_written_still_serves_from_memory()
    {
        string file = Path.Combine(Path.GetTempPath(), "not-a-folder-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "x");
        try
        {
            var cache = new UrlCache(1 << 20, 1 << 20, Path.Combine(file, "cache"));
            var url = server.Url(Fresh());
            string first = await GetAsync(cache, url);
            Assert.Equal(first, await GetAsync(cache, url, RequestCachePolicy.ReturnCacheDataDoNotLoad));
            Assert.Equal(0, cache.CurrentDiskUsage);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// <summary>Runs alone, so that no other test writes files while it watches.</summary>
[CollectionDefinition("Alone", DisableParallelization = true)]
public sealed class AloneCollection;

[Collection("Alone")]
public sealed class EphemeralCacheTests(TestServer server)
{
    [Fact]
    public async Task An_ephemeral_session_caches_in_memory_and_writes_no_file_anywhere()
    {
        var watched = new[] { Path.GetTempPath(), Environment.GetEnvironmentVariable("XDG_CACHE_HOME")!, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Environment.CurrentDirectory }
            .Where(Directory.Exists).Distinct().ToList();
        var created = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Other test processes of this user (the tour, the fetch sample, background apps) download into the user's
        // own download folder under the watched home at the same time; a data task writes no download file.
        string otherProcessesDownloads = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "UrlSession");
        void Record(string path)
        {
            if (!path.StartsWith(otherProcessesDownloads, StringComparison.Ordinal))
                created.Enqueue(path);
        }
        var watchers = watched.Select(folder =>
        {
            var watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite };
            watcher.Created += (_, e) => Record(e.FullPath);
            watcher.Changed += (_, e) => Record(e.FullPath);
            watcher.EnableRaisingEvents = true;
            return watcher;
        }).ToList();
        try
        {
            await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
            var url = server.Url($"/cache/e{Guid.NewGuid():N}?cc=max-age%3D3600");
            var (first, _) = await session.DataAsync(url, TestContext.Current.CancellationToken);
            var (second, _) = await session.DataAsync(new UrlRequest(url) { CachePolicy = RequestCachePolicy.ReturnCacheDataDoNotLoad }, TestContext.Current.CancellationToken);
            Assert.Equal(first, second);
            Assert.Equal(0, session.Configuration.UrlCache!.CurrentDiskUsage);
            // A file written by the session would have been seen by now; a marker proves the watchers work.
            string marker = Path.Combine(Path.GetTempPath(), "watch-marker-" + Guid.NewGuid().ToString("N"));
            await File.WriteAllTextAsync(marker, "x", TestContext.Current.CancellationToken);
            for (int i = 0; i < 200 && !created.Contains(marker); i++)
                await Task.Delay(10, TestContext.Current.CancellationToken);
            File.Delete(marker);
            Assert.Equal([marker], created.Distinct());
        }
        finally
        {
            watchers.ForEach(w => w.Dispose());
        }
    }
}

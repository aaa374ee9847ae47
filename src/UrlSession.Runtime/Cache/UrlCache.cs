using System;
using System.Collections.Generic;
using System.IO;

namespace UrlLoading;

/// <summary>
/// A response cache with memory and disk capacities (Apple's <c>URLCache</c>), used by sessions with RFC 9111's
/// private-cache rules: freshness, validation with ETag and Last-Modified, <c>Vary</c>, <c>no-store</c>,
/// <c>no-cache</c>, <c>must-revalidate</c>, invalidation by unsafe methods, <c>stale-while-revalidate</c>,
/// <c>stale-if-error</c> and <c>immutable</c>. Entries live in memory and, when <see cref="DiskCapacity"/> is above
/// zero and the storage policy allows, on disk (an SQLite index and one file per body in <see cref="Directory"/>),
/// so they outlive the process. Each store evicts its least recently used entries at capacity, and keeps no response
/// larger than 5% of its capacity (Apple's rule: one large response never pushes out all the others). A cache that cannot
/// write its folder keeps working from memory: caching never fails a task.
/// </summary>
public class UrlCache
{
    private readonly Dictionary<string, LinkedListNode<(string Key, CacheEntry Entry)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, CacheEntry Entry)> _recency = new();
    private readonly object _gate = new();
    private long _memoryUsage;
    private DiskCacheStore? _disk;
    private bool _diskFailed;

    private static readonly Lazy<UrlCache> s_shared = new(() => new UrlCache(4 * 1024 * 1024, 20 * 1024 * 1024, null));
    private long _memoryCapacity;
    private long _diskCapacity;
    private readonly TimeProvider _time;

    /// <summary>A store keeps no entry larger than its capacity divided by this (5%).</summary>
    internal const int EntryShare = 20;

    /// <summary>Creates a cache.</summary>
    /// <param name="memoryCapacity">The memory capacity in bytes (0 or more).</param>
    /// <param name="diskCapacity">The disk capacity in bytes (0 or more); 0 keeps nothing on disk.</param>
    /// <param name="directory">The folder for the disk store, or null for a default under the user's cache folder.</param>
    public UrlCache(long memoryCapacity, long diskCapacity, string? directory)
        : this(memoryCapacity, diskCapacity, directory, TimeProvider.System)
    {
    }

    /// <summary>A cache whose clock, for when a response was stored by the app, is <paramref name="time"/>.</summary>
    internal UrlCache(long memoryCapacity, long diskCapacity, string? directory, TimeProvider time)
    {
        _time = time;
        MemoryCapacity = memoryCapacity;
        DiskCapacity = diskCapacity;
        if (directory is not null && directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            throw new ArgumentException($"'{directory}' is not a valid folder path for the cache.", nameof(directory));
        Directory = directory;
    }

    /// <summary>The process-wide cache: 4 MiB in memory, 20 MiB on disk.</summary>
    public static UrlCache Shared => s_shared.Value;

    /// <summary>
    /// The memory capacity in bytes. Lowering it evicts the least recently used entries at once, down to the new
    /// capacity (0 empties the memory store), and drops entries over 5% of it, as Apple's cache does.
    /// </summary>
    public long MemoryCapacity
    {
        get => _memoryCapacity;
        set
        {
            _memoryCapacity = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MemoryCapacity), value, $"{nameof(UrlCache)}.{nameof(MemoryCapacity)} cannot be negative.");
            ShrinkMemory();
        }
    }

    /// <summary>The disk capacity in bytes. Lowering it evicts the least recently used entries from disk at once.</summary>
    public long DiskCapacity
    {
        get => _diskCapacity;
        set
        {
            _diskCapacity = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(DiskCapacity), value, $"{nameof(UrlCache)}.{nameof(DiskCapacity)} cannot be negative.");
            Disk(create: false)?.Shrink(value);
        }
    }

    /// <summary>The folder of the disk store, or null for the default.</summary>
    public string? Directory { get; }

    /// <summary>The bytes the memory store holds now.</summary>
    public long CurrentMemoryUsage
    {
        get
        {
            lock (_gate)
                return _memoryUsage;
        }
    }

    /// <summary>The bytes the disk store holds now.</summary>
    public long CurrentDiskUsage => Disk(create: false)?.Usage ?? 0;

    /// <summary>Where the disk store lives: <see cref="Directory"/>, else <c>$XDG_CACHE_HOME/UrlSession/{app}</c> (or <c>~/.cache/...</c>).</summary>
    internal string DiskFolder => Directory ?? Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "UrlSession", Background.BackgroundPaths.AppIdentity);

    /// <summary>The stored response for a request, whatever its age, or null (Apple's <c>cachedResponse(for:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <returns>The stored response, or null.</returns>
    public CachedUrlResponse? CachedResponse(UrlRequest request) => Lookup(request)?.Cached;

    /// <summary>Stores a response for a request, replacing what was stored for it (Apple's <c>storeCachedResponse(_:for:)</c>).</summary>
    /// <param name="cachedResponse">The response and its body; an HTTP response.</param>
    /// <param name="request">The request it answers.</param>
    public void StoreCachedResponse(CachedUrlResponse cachedResponse, UrlRequest request)
    {
        ArgumentNullException.ThrowIfNull(cachedResponse);
        ArgumentNullException.ThrowIfNull(request);
        if (cachedResponse.Response is not HttpUrlResponse http)
            throw new ArgumentException("The cache stores HTTP responses only.", nameof(cachedResponse));
        var now = _time.GetUtcNow();
        Store(request, new CacheEntry(cachedResponse, now, now, HttpCaching.VaryValues(request, http)));
    }

    /// <summary>
    /// The stored response for a data task's current request, whatever its age, or null (Apple's
    /// <c>getCachedResponse(for:)</c> with a data task).
    /// </summary>
    /// <param name="dataTask">The data task.</param>
    /// <returns>The stored response, or null.</returns>
    public CachedUrlResponse? CachedResponse(UrlSessionDataTask dataTask)
    {
        ArgumentNullException.ThrowIfNull(dataTask);
        return CachedResponse(dataTask.CurrentRequest);
    }

    /// <summary>
    /// Stores a response for a data task's current request, replacing what was stored for it (Apple's
    /// <c>storeCachedResponse(_:for:)</c> with a data task).
    /// </summary>
    /// <param name="cachedResponse">The response and its body; an HTTP response.</param>
    /// <param name="dataTask">The data task it answers.</param>
    public void StoreCachedResponse(CachedUrlResponse cachedResponse, UrlSessionDataTask dataTask)
    {
        ArgumentNullException.ThrowIfNull(dataTask);
        StoreCachedResponse(cachedResponse, dataTask.CurrentRequest);
    }

    /// <summary>
    /// Removes every response stored (or brought up to date by a <c>304</c>) at or after <paramref name="date"/>, in
    /// memory and on disk (Apple's <c>removeCachedResponses(since:)</c>).
    /// </summary>
    /// <param name="date">The cut-off time.</param>
    public void RemoveCachedResponses(DateTimeOffset date)
    {
        lock (_gate)
        {
            for (var node = _recency.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Entry.ResponseTime >= date)
                    RemoveFromMemory(node);
                node = next;
            }
        }
        Guarded(disk => disk.RemoveSince(date), create: false);
    }

    /// <summary>Removes what is stored for a request.</summary>
    /// <param name="request">The request.</param>
    public void RemoveCachedResponse(UrlRequest request) => Remove(request.Url);

    /// <summary>Removes every stored response.</summary>
    public void RemoveAllCachedResponses()
    {
        lock (_gate)
        {
            _entries.Clear();
            _recency.Clear();
            _memoryUsage = 0;
        }
        Guarded(disk => disk.Clear());
    }

    /// <summary>The entry stored for the request's URL whose <c>Vary</c> headers match the request.</summary>
    internal CacheEntry? Lookup(UrlRequest request)
    {
        bool memoryOnly = DiskCapacity == 0;
        if (memoryOnly)
        {
            // An empty memory-only cache (the usual miss of an ephemeral session): no key to build, nothing to find.
            lock (_gate)
            {
                if (_entries.Count == 0)
                    return null;
            }
        }
        string key = Key(request.Url);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (!HttpCaching.VaryMatches(node.Value.Entry, request))
                    return null;
                _recency.Remove(node);
                _recency.AddFirst(node);
                return node.Value.Entry;
            }
        }
        if (memoryOnly)
            return null;
        // Not in memory: perhaps on disk, from an earlier session or process; it comes back into memory.
        CacheEntry? stored = null;
        Guarded(disk => stored = disk.Load(key), create: false);
        if (stored is null || !HttpCaching.VaryMatches(stored, request))
            return null;
        StoreInMemory(key, stored);
        return stored;
    }

    internal void Store(UrlRequest request, CacheEntry entry)
    {
        string key = Key(request.Url);
        // RFC 9111 §3.1: what described one connection is not part of the stored response.
        if (HttpCaching.WithoutHopByHopFields(entry.Response) is var stripped && stripped != entry.Response)
            entry = entry with { Cached = entry.Cached with { Response = stripped } };
        if (entry.Cached.StoragePolicy == UrlCacheStoragePolicy.NotAllowed)
        {
            Remove(request.Url);
            return;
        }
        StoreInMemory(key, entry);
        if (entry.Cached.StoragePolicy == UrlCacheStoragePolicy.Allowed && DiskCapacity > 0 && entry.Cached.Data.Length <= DiskCapacity / EntryShare)
            Guarded(disk => disk.Save(key, entry, DiskCapacity));
        else
            Guarded(disk => disk.Remove(key), create: false);
    }

    /// <summary>The largest body this cache keeps at all: 5% of the larger capacity.</summary>
    internal long MaximumEntrySize => Math.Max(MemoryCapacity, DiskCapacity) / EntryShare;

    private void StoreInMemory(string key, CacheEntry entry)
    {
        lock (_gate)
        {
            if (_entries.Remove(key, out var old))
            {
                _recency.Remove(old);
                _memoryUsage -= old.Value.Entry.Size;
            }
            if (entry.Size > MemoryCapacity / EntryShare)
                return;
            _entries[key] = _recency.AddFirst((key, entry));
            _memoryUsage += entry.Size;
            EvictOverCapacity();
        }
    }

    private void ShrinkMemory()
    {
        lock (_gate)
        {
            long largest = MemoryCapacity / EntryShare;
            for (var node = _recency.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Entry.Size > largest)
                    RemoveFromMemory(node);
                node = next;
            }
            EvictOverCapacity();
        }
    }

    /// <summary>Drops the least recently used entries until the memory store fits its capacity (caller holds the gate).</summary>
    private void EvictOverCapacity()
    {
        while (_memoryUsage > MemoryCapacity && _recency.Last is { } oldest)
            RemoveFromMemory(oldest);
    }

    private void RemoveFromMemory(LinkedListNode<(string Key, CacheEntry Entry)> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
        _memoryUsage -= node.Value.Entry.Size;
    }

    /// <summary>The disk store, opened when first needed (or, with <paramref name="create"/> false, only when its index exists).</summary>
    private DiskCacheStore? Disk(bool create)
    {
        lock (_gate)
        {
            if (_disk is not null || _diskFailed || DiskCapacity == 0)
                return _disk;
            string folder = DiskFolder;
            if (!create && !File.Exists(Path.Combine(folder, "index.db")))
                return null;
            try
            {
                return _disk = new DiskCacheStore(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                _diskFailed = true;
                return null;
            }
        }
    }

    private void Guarded(Action<DiskCacheStore> action, bool create = true)
    {
        if (Disk(create) is not { } disk)
            return;
        try
        {
            action(disk);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            // The disk store is an optimisation: a full or read-only disk leaves the memory store working.
        }
    }

    internal void Remove(Uri url)
    {
        string key = Key(url);
        lock (_gate)
        {
            if (_entries.Remove(key, out var node))
            {
                _recency.Remove(node);
                _memoryUsage -= node.Value.Entry.Size;
            }
        }
        Guarded(disk => disk.Remove(key), create: false);
    }

    private static string Key(Uri url) => url.GetLeftPart(UriPartial.Query);
}

using System;
using System.Collections.Generic;
using System.IO;

namespace UrlLoading;

/// <summary>
/// A response cache with memory and disk capacities (Apple's <c>URLCache</c>), used by sessions with RFC 9111's
/// private-cache rules: freshness, validation with ETag and Last-Modified, <c>Vary</c>, <c>no-store</c>,
/// <c>no-cache</c>, <c>must-revalidate</c>, invalidation by unsafe methods, <c>stale-while-revalidate</c>,
/// <c>stale-if-error</c> and <c>immutable</c>. Entries live in memory, least recently used first out when the
/// memory capacity is reached. This release has no disk store yet: <see cref="DiskCapacity"/> is recorded only.
/// </summary>
public class UrlCache
{
    private readonly Dictionary<string, LinkedListNode<(string Key, CacheEntry Entry)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, CacheEntry Entry)> _recency = new();
    private readonly object _gate = new();
    private long _memoryUsage;

    private static readonly Lazy<UrlCache> s_shared = new(() => new UrlCache(4 * 1024 * 1024, 20 * 1024 * 1024, null));
    private long _memoryCapacity;
    private long _diskCapacity;

    /// <summary>Creates a cache.</summary>
    /// <param name="memoryCapacity">The memory capacity in bytes (0 or more).</param>
    /// <param name="diskCapacity">The disk capacity in bytes (0 or more); 0 keeps nothing on disk.</param>
    /// <param name="directory">The folder for the disk store, or null for a default under the user's cache folder.</param>
    public UrlCache(long memoryCapacity, long diskCapacity, string? directory)
    {
        MemoryCapacity = memoryCapacity;
        DiskCapacity = diskCapacity;
        if (directory is not null && directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            throw new ArgumentException($"'{directory}' is not a valid folder path for the cache.", nameof(directory));
        Directory = directory;
    }

    /// <summary>The process-wide cache: 4 MiB in memory, 20 MiB on disk.</summary>
    public static UrlCache Shared => s_shared.Value;

    /// <summary>The memory capacity in bytes.</summary>
    public long MemoryCapacity
    {
        get => _memoryCapacity;
        set => _memoryCapacity = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MemoryCapacity), value, $"{nameof(UrlCache)}.{nameof(MemoryCapacity)} cannot be negative.");
    }

    /// <summary>The disk capacity in bytes.</summary>
    public long DiskCapacity
    {
        get => _diskCapacity;
        set => _diskCapacity = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(DiskCapacity), value, $"{nameof(UrlCache)}.{nameof(DiskCapacity)} cannot be negative.");
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

    /// <summary>The bytes the disk store holds now (always 0 in this release, which has no disk store).</summary>
    public long CurrentDiskUsage => 0;

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
        var now = DateTimeOffset.UtcNow;
        Store(request, new CacheEntry(cachedResponse, now, now, HttpCaching.VaryValues(request, http)));
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
    }

    /// <summary>The entry stored for the request's URL whose <c>Vary</c> headers match the request.</summary>
    internal CacheEntry? Lookup(UrlRequest request)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(Key(request.Url), out var node) || !HttpCaching.VaryMatches(node.Value.Entry, request))
                return null;
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Entry;
        }
    }

    internal void Store(UrlRequest request, CacheEntry entry)
    {
        if (entry.Cached.StoragePolicy == UrlCacheStoragePolicy.NotAllowed || entry.Size > MemoryCapacity)
        {
            Remove(request.Url);
            return;
        }
        lock (_gate)
        {
            string key = Key(request.Url);
            if (_entries.Remove(key, out var old))
            {
                _recency.Remove(old);
                _memoryUsage -= old.Value.Entry.Size;
            }
            _entries[key] = _recency.AddFirst((key, entry));
            _memoryUsage += entry.Size;
            while (_memoryUsage > MemoryCapacity && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
                _memoryUsage -= oldest.Value.Entry.Size;
            }
        }
    }

    internal void Remove(Uri url)
    {
        lock (_gate)
        {
            if (_entries.Remove(Key(url), out var node))
            {
                _recency.Remove(node);
                _memoryUsage -= node.Value.Entry.Size;
            }
        }
    }

    private static string Key(Uri url) => url.GetLeftPart(UriPartial.Query);
}

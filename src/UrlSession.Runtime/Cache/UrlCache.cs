using System;
using System.IO;

namespace UrlLoading;

/// <summary>
/// A response cache with memory and disk capacities (Apple's <c>URLCache</c>). This release records the
/// capacities and folder that the configuration names; storing and serving responses comes with the cache work.
/// </summary>
public class UrlCache
{
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
}

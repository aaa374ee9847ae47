using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace UrlLoading.Security;

/// <summary>What the kernel says a path or an open file is: its identity, owner, mode and kind (never following a symlink).</summary>
[UnsupportedOSPlatform("windows")]
internal readonly partial record struct FileStatus(ulong Device, ulong Inode, uint Owner, UnixFileMode Mode, FileStatusKind Kind, uint Links)
{
    /// <summary>The status of <paramref name="path"/> itself (a symlink is reported as one), or null when nothing is there.</summary>
    public static FileStatus? OfPath(string path) => Native.Stat(path, handle: null);

    /// <summary>The status of the file behind an open handle.</summary>
    public static FileStatus Of(SafeFileHandle handle) =>
        Native.Stat(null, handle) ?? throw new IOException("The status of an open file could not be read.");

    /// <summary>Whether this and <paramref name="other"/> are the same file (device and inode).</summary>
    public bool IsSameFileAs(FileStatus other) => Device == other.Device && Inode == other.Inode;

    /// <summary>Group or other users may read, write or enter it.</summary>
    public bool IsOpenToOthers => (Mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0;

    /// <summary>Linux statx (one layout on every architecture) and the macOS stat of 64-bit inodes.</summary>
    private static partial class Native
    {
        private const int AtFdCwd = -100;
        private const int AtSymlinkNoFollow = 0x100;
        private const int AtEmptyPath = 0x1000;
        private const uint StatxBasicStats = 0x7ff;
        private const int Enoent = 2;
        private const int Enotdir = 20;

        public static FileStatus? Stat(string? path, SafeFileHandle? handle)
        {
            if (OperatingSystem.IsLinux())
                return Statx(path, handle);
            if (OperatingSystem.IsMacOS())
                return MacStat(path, handle);
            throw new PlatformNotSupportedException("File ownership checks are implemented for Linux and macOS.");
        }

        private static unsafe FileStatus? Statx(string? path, SafeFileHandle? handle)
        {
            byte* buffer = stackalloc byte[256];
            int result;
            if (handle is not null)
            {
                using var lease = new Lease(handle);
                result = statx(lease.Descriptor, "", AtEmptyPath, StatxBasicStats, buffer);
            }
            else
            {
                result = statx(AtFdCwd, path!, AtSymlinkNoFollow, StatxBasicStats, buffer);
            }
            if (result != 0)
                return Missing(path);
            var bytes = new ReadOnlySpan<byte>(buffer, 256);
            uint links = MemoryMarshal.Read<uint>(bytes[16..]);
            uint owner = MemoryMarshal.Read<uint>(bytes[20..]);
            ushort mode = MemoryMarshal.Read<ushort>(bytes[28..]);
            ulong inode = MemoryMarshal.Read<ulong>(bytes[32..]);
            ulong device = ((ulong)MemoryMarshal.Read<uint>(bytes[136..]) << 32) | MemoryMarshal.Read<uint>(bytes[140..]);
            return new FileStatus(device, inode, owner, (UnixFileMode)(mode & 0xfff), KindOf(mode), links);
        }

        private static unsafe FileStatus? MacStat(string? path, SafeFileHandle? handle)
        {
            // struct stat (64-bit inodes): dev_t st_dev (4), mode_t st_mode (2), nlink_t st_nlink (2), ino_t st_ino (8), uid_t st_uid (4), ...
            byte* buffer = stackalloc byte[256];
            int result;
            if (handle is not null)
            {
                using var lease = new Lease(handle);
                result = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? fstat(lease.Descriptor, buffer) : fstat_inode64(lease.Descriptor, buffer);
            }
            else
            {
                result = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? lstat(path!, buffer) : lstat_inode64(path!, buffer);
            }
            if (result != 0)
                return Missing(path);
            var bytes = new ReadOnlySpan<byte>(buffer, 256);
            ushort mode = MemoryMarshal.Read<ushort>(bytes[4..]);
            return new FileStatus(MemoryMarshal.Read<uint>(bytes), MemoryMarshal.Read<ulong>(bytes[8..]), MemoryMarshal.Read<uint>(bytes[16..]),
                (UnixFileMode)(mode & 0xfff), KindOf(mode), MemoryMarshal.Read<ushort>(bytes[6..]));
        }

        /// <summary>Keeps a handle's descriptor open (and so its number valid) while a native call uses it.</summary>
        private readonly ref struct Lease
        {
            private readonly SafeFileHandle _handle;
            private readonly bool _added;

            public Lease(SafeFileHandle handle)
            {
                _handle = handle;
                handle.DangerousAddRef(ref _added);
                Descriptor = (int)handle.DangerousGetHandle();
            }

            public int Descriptor { get; }

            public void Dispose()
            {
                if (_added)
                    _handle.DangerousRelease();
            }
        }

        private static FileStatus? Missing(string? path)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (path is not null && errno is Enoent or Enotdir)
                return null;
            throw new IOException($"The status of {path ?? "an open file"} could not be read (errno {errno}).");
        }

        private static FileStatusKind KindOf(ushort mode) => (mode & 0xf000) switch
        {
            0x8000 => FileStatusKind.RegularFile,
            0x4000 => FileStatusKind.Directory,
            0xa000 => FileStatusKind.SymbolicLink,
            0xc000 => FileStatusKind.Socket,
            _ => FileStatusKind.Other,
        };

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int statx(int directory, string path, int flags, uint mask, byte* buffer);

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int lstat(string path, byte* buffer);

        [LibraryImport("libc", EntryPoint = "lstat$INODE64", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int lstat_inode64(string path, byte* buffer);

        [LibraryImport("libc", SetLastError = true)]
        private static unsafe partial int fstat(int descriptor, byte* buffer);

        [LibraryImport("libc", EntryPoint = "fstat$INODE64", SetLastError = true)]
        private static unsafe partial int fstat_inode64(int descriptor, byte* buffer);
    }
}

/// <summary>The kinds of file the ownership checks tell apart.</summary>
internal enum FileStatusKind
{
    RegularFile,
    Directory,
    SymbolicLink,
    Socket,
    Other,
}

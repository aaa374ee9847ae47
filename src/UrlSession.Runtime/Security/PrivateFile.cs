using System;
using System.IO;
using System.Runtime.Versioning;

namespace UrlLoading.Security;

/// <summary>
/// Files only this OS user can read: created exclusively with mode 0600 (never through a symlink or over an existing
/// file), and reopened only when the path is a regular file of this user's with one link, checked again on the open
/// handle so that nothing can be swapped in between.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class PrivateFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a new file with mode 0600; fails when anything (a file, a symlink) is already at <paramref name="path"/>.</summary>
    public static FileStream CreateNew(string path, FileAccess access = FileAccess.Write, FileShare share = FileShare.Read, int bufferSize = 1,
        FileOptions options = FileOptions.None) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = access,
            Share = share,
            BufferSize = bufferSize,
            Options = options,
            UnixCreateMode = Mode,
        });

    /// <summary>
    /// Opens an existing file of this user's without following a symlink: the path must be a regular file owned by the
    /// effective user with a single link, and the opened file must be that same file. Throws <see cref="UnauthorizedAccessException"/> otherwise.
    /// </summary>
    public static FileStream OpenExisting(string path, FileAccess access, FileShare share = FileShare.Read, int bufferSize = 1, FileOptions options = FileOptions.None)
    {
        var before = CheckOwn(path);
        var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = access, Share = share, BufferSize = bufferSize, Options = options });
        try
        {
            var opened = FileStatus.Of(stream.SafeFileHandle);
            if (!opened.IsSameFileAs(before))
                throw new UnauthorizedAccessException($"{path} was replaced while it was being opened; it was not used.");
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Checks that <paramref name="path"/> is a regular file of this user's with one link (not a symlink, not a hard link to a file elsewhere).</summary>
    public static FileStatus CheckOwn(string path)
    {
        var status = FileStatus.OfPath(path) ?? throw new FileNotFoundException($"{path} does not exist.", path);
        if (status.Kind == FileStatusKind.SymbolicLink)
            throw new UnauthorizedAccessException($"{path} is a symbolic link; it was not followed.");
        if (status.Kind != FileStatusKind.RegularFile)
            throw new UnauthorizedAccessException($"{path} is not a regular file.");
        if (status.Owner != PeerCredentials.EffectiveUserId)
            throw new UnauthorizedAccessException($"{path} belongs to another user (uid {status.Owner}); it was not used.");
        if (status.Links != 1)
            throw new UnauthorizedAccessException($"{path} has {status.Links} hard links, so it may be another file's second name; it was not used.");
        return status;
    }
    /// <summary>
    /// Creates an empty file with mode 0600 at <paramref name="path"/>, or checks the one already there (a regular file
    /// of this user's with one link) and tightens it to 0600.
    /// </summary>
    public static void EnsureOwn(string path)
    {
        if (FileStatus.OfPath(path) is null)
        {
            try
            {
                CreateNew(path).Dispose();
                return;
            }
            catch (IOException) when (FileStatus.OfPath(path) is not null)
            {
                // Something appeared at that name meanwhile: checked below like any existing file.
            }
        }
        Tighten(path);
    }

    /// <summary>
    /// An SQLite database that is this user's alone: the file is made (or checked and tightened) 0600 before SQLite
    /// opens it, so the <c>-wal</c> and <c>-shm</c> files SQLite creates get its mode; existing ones are tightened too.
    /// </summary>
    public static void EnsureOwnDatabase(string path)
    {
        EnsureOwn(path);
        TightenIfPresent(path + "-wal");
        TightenIfPresent(path + "-shm");
    }

    /// <summary>Checks and tightens the file at <paramref name="path"/> to 0600 when there is one.</summary>
    public static void TightenIfPresent(string path)
    {
        if (FileStatus.OfPath(path) is not null)
            Tighten(path);
    }

    private static void Tighten(string path)
    {
        var status = CheckOwn(path);
        if (status.IsOpenToOthers)
            File.SetUnixFileMode(path, status.Mode & Mode);
    }
}

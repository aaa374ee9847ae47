using System;
using System.IO;
using System.Runtime.Versioning;

namespace UrlLoading.Security;

/// <summary>
/// A folder only this OS user can use: a real directory (not a symlink) owned by the effective user with mode 0700.
/// Another local user who creates the folder first, opens it up or puts a symlink in its place is refused, with an
/// error that names the fix, instead of being handed this user's files.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class PrivateFolder
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates <paramref name="path"/> with mode 0700 when it is missing (parents included, each created 0700; an
    /// existing symlink at the last step is never followed), tightens a folder of this user's that is open to others,
    /// and refuses one that is another user's or a symlink. Returns the full path.
    /// </summary>
    /// <param name="path">The folder.</param>
    /// <param name="setting">What a user sets to choose another folder, named in the error (an environment variable or a property).</param>
    public static string Ensure(string path, string setting)
    {
        path = Path.GetFullPath(path);
        if (FileStatus.OfPath(path) is null)
        {
            // mkdir fails on anything already there, a symlink included; the check below then decides.
            try
            {
                Directory.CreateDirectory(path, Mode);
            }
            catch (IOException) when (FileStatus.OfPath(path) is not null)
            {
                // Created at the same moment by another thread or process: checked below like any existing folder.
            }
        }
        var status = Verify(path, setting);
        if (status.IsOpenToOthers)
            File.SetUnixFileMode(path, status.Mode & Mode);
        return path;
    }

    /// <summary>
    /// Checks that an existing <paramref name="path"/> is a folder of this user's (not a symlink) and returns its
    /// status; throws <see cref="UnauthorizedAccessException"/> naming the fix otherwise. Its mode is the caller's concern.
    /// </summary>
    public static FileStatus Verify(string path, string setting)
    {
        var status = FileStatus.OfPath(path) ?? throw new DirectoryNotFoundException($"The folder {path} does not exist.");
        uint self = PeerCredentials.EffectiveUserId;
        if (status.Kind == FileStatusKind.SymbolicLink)
            throw Refused(path, "is a symbolic link", setting);
        if (status.Kind != FileStatusKind.Directory)
            throw Refused(path, "is not a folder", setting);
        if (status.Owner != self)
            throw Refused(path, $"belongs to another user (uid {status.Owner}, not {self})", setting);
        // Whoever may write to the parent can rename this folder away and put another in its place, unless the
        // parent is sticky (as /tmp is) or is this user's or root's and closed to others.
        if (Path.GetDirectoryName(path) is { } parent && FileStatus.OfPath(parent) is { } above
            && (above.Mode & UnixFileMode.StickyBit) == 0
            && ((above.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 || (above.Owner != self && above.Owner != 0)))
            throw Refused(path, $"is inside {parent}, which another user (uid {above.Owner}, mode {Convert.ToString((int)above.Mode, 8)}) can change", setting);
        return status;
    }

    /// <summary>Whether <paramref name="path"/> is a folder (not a symlink) owned by this user, whatever its mode.</summary>
    public static bool IsOwn(string path) =>
        FileStatus.OfPath(path) is { Kind: FileStatusKind.Directory } status && status.Owner == PeerCredentials.EffectiveUserId;

    /// <summary>Whether <paramref name="path"/> is a folder of this user's with mode 0700 (or stricter).</summary>
    public static bool IsPrivate(string path)
    {
        var status = FileStatus.OfPath(path);
        return status is { Kind: FileStatusKind.Directory, IsOpenToOthers: false } && status.Value.Owner == PeerCredentials.EffectiveUserId;
    }

    private static UnauthorizedAccessException Refused(string path, string problem, string setting) =>
        new($"{path} {problem}, so another local user could read or replace what is kept there. Remove it "
            + $"(the library re-creates it as a folder of yours with mode 0700) or set {setting} to a folder of your own.");
}

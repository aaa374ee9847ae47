using UrlLoading.Security;

namespace UrlLoading.Daemon;

/// <summary>
/// A file of the daemon's state folder that holds credentials (the database with its <c>-wal</c> and <c>-shm</c>, the
/// log): created exclusively with mode 0600 (nothing at its name, a symlink say, is followed), and, when it is already
/// there, used only as a regular file of this user's, tightened to 0600.
/// </summary>
internal static class PrivateStateFile
{
    /// <summary>Creates an empty file with mode 0600 at <paramref name="path"/>, or checks and tightens the one already there.</summary>
    public static void Ensure(string path)
    {
        if (FileStatus.OfPath(path) is null)
        {
            try
            {
                PrivateFile.CreateNew(path).Dispose();
                return;
            }
            catch (IOException) when (FileStatus.OfPath(path) is not null)
            {
                // Something appeared at that name meanwhile: checked below like any existing file.
            }
        }
        Tighten(path);
    }

    /// <summary>Checks and tightens the file at <paramref name="path"/> when there is one (SQLite creates <c>-wal</c> and <c>-shm</c> with the database's mode).</summary>
    public static void TightenIfPresent(string path)
    {
        if (FileStatus.OfPath(path) is not null)
            Tighten(path);
    }

    private static void Tighten(string path)
    {
        var status = PrivateFile.CheckOwn(path);
        if (status.IsOpenToOthers)
            File.SetUnixFileMode(path, status.Mode & PrivateFile.Mode);
    }
}

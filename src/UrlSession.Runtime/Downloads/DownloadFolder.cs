using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using UrlLoading.Security;

namespace UrlLoading;

/// <summary>
/// Where download tasks write their bytes: the configuration's <see cref="UrlSessionConfiguration.DownloadDirectory"/>,
/// else a folder of this user's alone (see <see cref="DefaultPath"/>). Files have random names, are created
/// exclusively with mode 0600, and a partial file is reopened for resuming only when it is a regular file of this user's.
/// </summary>
internal static class DownloadFolder
{
    public const string FilePrefix = "UrlSessionDownload_";

    /// <summary>
    /// The per-user default: <c>$XDG_CACHE_HOME/UrlSession/Downloads</c>, else <c>~/.cache/UrlSession/Downloads</c> when the
    /// home folder is this user's, else <c>$TMPDIR/UrlSession-$UID/Downloads</c>; on Windows, under the user's own temp folder.
    /// Never one folder shared by all users, which another user could create first, open up, or fill with symlinks.
    /// </summary>
    public static string DefaultPath
    {
        get
        {
            if (OperatingSystem.IsWindows())
                return Path.Combine(Path.GetTempPath(), "UrlSession", "Downloads");
            return Path.Combine(UnixBase(), "Downloads");
        }
    }

    private const string Setting = "UrlSessionConfiguration.DownloadDirectory";

    [UnsupportedOSPlatform("windows")]
    private static string UnixBase()
    {
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache && Path.IsPathFullyQualified(cache))
            return Path.Combine(cache, "UrlSession");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0 && PrivateFolder.IsOwn(home))
            return Path.Combine(home, ".cache", "UrlSession");
        return Path.Combine(Path.GetTempPath(), "UrlSession-" + PeerCredentials.EffectiveUserId.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Makes the download folder ready: the default one is created 0700 (its <c>UrlSession</c> parent too) and refused
    /// when another user made it first; a folder the app chose is created 0700 when missing and refused when it is
    /// another user's, but its mode is the app's business.
    /// </summary>
    private static void Prepare(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        if (string.Equals(folder, DefaultPath, StringComparison.Ordinal))
        {
            PrivateFolder.Ensure(UnixBase(), Setting);
            PrivateFolder.Ensure(folder, Setting);
            return;
        }
        if (FileStatus.OfPath(folder) is null)
            Directory.CreateDirectory(folder, PrivateFolder.Mode);
        PrivateFolder.Verify(folder, Setting);
    }

    /// <summary>
    /// The length of a partial file kept for resuming, or null when it is gone. A symlink, a hard link or another
    /// user's file at that name is refused: resuming would write into a file that is not this download's.
    /// </summary>
    public static long? SavedLength(string location, Uri url)
    {
        if (OperatingSystem.IsWindows())
            return File.Exists(location) ? new FileInfo(location).Length : null;
        try
        {
            if (FileStatus.OfPath(location) is null)
                return null;
            PrivateFile.CheckOwn(location);
            return new FileInfo(location).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Untrusted(location, url, e);
        }
    }

    /// <summary>Opens the partial file to continue at <paramref name="offset"/> (creating it exclusively when it is gone), never through a symlink.</summary>
    public static FileStream OpenPartial(string location, long offset, Uri url)
    {
        try
        {
            FileStream file;
            if (OperatingSystem.IsWindows())
                file = new FileStream(location, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous);
            else if (FileStatus.OfPath(location) is null)
                file = PrivateFile.CreateNew(location, options: FileOptions.Asynchronous);
            else
                file = PrivateFile.OpenExisting(location, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous);
            file.SetLength(offset);
            file.Position = offset;
            return file;
        }
        catch (UnauthorizedAccessException e)
        {
            throw Untrusted(location, url, e);
        }
        catch (IOException e)
        {
            throw new UrlError(UrlErrorCode.CannotOpenFile, url, $"The partial download {location} could not be opened: {e.Message}", e);
        }
    }

    private static UrlError Untrusted(string location, Uri url, Exception e) =>
        new(UrlErrorCode.CannotOpenFile, url, $"The partial download {location} cannot be resumed safely: {e.Message} "
            + "Start the download again without resume data; if the folder is shared with other users, set "
            + Setting + " to a folder of your own.", e);

    private static readonly ConcurrentDictionary<string, bool> s_swept = new(StringComparer.Ordinal);

    public static string For(UrlSessionConfiguration configuration) => configuration.DownloadDirectory ?? DefaultPath;

    /// <summary>
    /// Once per folder and process, deletes partial download files not written for longer than
    /// <paramref name="retention"/>. Only this library's own file names are touched; other files are left alone.
    /// </summary>
    public static void SweepOnce(string folder, TimeSpan retention)
    {
        if (retention == Timeout.InfiniteTimeSpan || !s_swept.TryAdd(folder, true))
            return;
        var cutoff = DateTime.UtcNow - retention;
        try
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles(FilePrefix + "*.tmp"))
            {
                if (file.LastWriteTimeUtc < cutoff && ResumeData.IsDownloadFileName(file.Name))
                    Delete(file.FullName);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable folder fails the download itself, with a clearer error, when the file is created.
        }
    }

    /// <summary>Creates a new empty file for a download in <paramref name="folder"/> (sweeping stale ones first) and returns its path and open stream.</summary>
    public static (string Location, FileStream Stream) CreateFile(string folder, TimeSpan retention, Uri url)
    {
        try
        {
            Prepare(folder);
            SweepOnce(folder, retention);
            string location = Path.Combine(folder, FilePrefix + Guid.NewGuid().ToString("N") + ".tmp");
            var options = FileOptions.Asynchronous | FileOptions.SequentialScan;
            var stream = OperatingSystem.IsWindows()
                ? new FileStream(location, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, options)
                : PrivateFile.CreateNew(location, options: options);
            return (location, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UrlError(UrlErrorCode.CannotCreateFile, url, $"The download file could not be created in {folder}: {e.Message}. Set UrlSessionConfiguration.DownloadDirectory to a writable folder.", e);
        }
    }

    /// <summary>Deletes a download file; a file already moved or deleted by the delegate is fine.</summary>
    public static void Delete(string location)
    {
        try
        {
            File.Delete(location);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The delegate may still hold the file open (it may open it, as Apple allows); the temp folder is the OS's to clean.
        }
    }
}

using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;

namespace UrlLoading;

/// <summary>
/// Where download tasks write their bytes: the configuration's <see cref="UrlSessionConfiguration.DownloadDirectory"/>,
/// else one folder under the system temp folder; files have random names.
/// </summary>
internal static class DownloadFolder
{
    public const string FilePrefix = "UrlSessionDownload_";

    public static string DefaultPath => System.IO.Path.Combine(System.IO.Path.GetTempPath(), "UrlSession", "Downloads");

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
            Directory.CreateDirectory(folder);
            SweepOnce(folder, retention);
            string location = System.IO.Path.Combine(folder, FilePrefix + Guid.NewGuid().ToString("N") + ".tmp");
            var stream = new FileStream(location, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
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

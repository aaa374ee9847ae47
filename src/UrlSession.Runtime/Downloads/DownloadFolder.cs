using System;
using System.IO;

namespace UrlLoading;

/// <summary>
/// Where download tasks write their bytes: the configuration's <see cref="UrlSessionConfiguration.DownloadDirectory"/>,
/// else one folder under the system temp folder; files have random names.
/// </summary>
internal static class DownloadFolder
{
    public const string FilePrefix = "UrlSessionDownload_";

    public static string DefaultPath => System.IO.Path.Combine(System.IO.Path.GetTempPath(), "UrlSession", "Downloads");

    public static string For(UrlSessionConfiguration configuration) => configuration.DownloadDirectory ?? DefaultPath;

    /// <summary>Creates a new empty file for a download in <paramref name="folder"/> and returns its path and open stream.</summary>
    public static (string Location, FileStream Stream) CreateFile(string folder, Uri url)
    {
        try
        {
            Directory.CreateDirectory(folder);
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

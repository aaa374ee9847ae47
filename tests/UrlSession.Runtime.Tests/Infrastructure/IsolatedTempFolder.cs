using System.Runtime.CompilerServices;

namespace UrlLoading.Tests.Infrastructure;

/// <summary>
/// Gives this test process its own temp folder (and so its own download folder and cache folder), so that tests counting the files
/// in the download folder are not disturbed by other processes downloading at the same time (the tour, the fetch
/// sample, a second test run).
/// </summary>
internal static class IsolatedTempFolder
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        string folder = Path.Combine(Path.GetTempPath(), "urlsession-runtime-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        Environment.SetEnvironmentVariable("TMPDIR", folder);
        // The shared URL cache's disk store goes under XDG_CACHE_HOME: keep it in this process's folder too.
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(folder, "cache"));
        Environment.SetEnvironmentVariable("XDG_DATA_HOME", Path.Combine(folder, "data"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS's temp cleanup.
            }
        };
    }
}

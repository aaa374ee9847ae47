using System.Globalization;

namespace UrlLoading.Daemon;

/// <summary>Sizes, rates and durations as the command line shows them: binary units, three significant digits.</summary>
internal static class HumanUnits
{
    private static readonly string[] s_units = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>"512 B", "4.00 KiB", "3.25 MiB", "512 MiB", "1.50 GiB".</summary>
    public static string Size(double bytes)
    {
        int unit = 0;
        while (Math.Abs(bytes) >= 1024 && unit < s_units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        string format = unit == 0 || Math.Abs(bytes) >= 100 ? "0" : Math.Abs(bytes) >= 10 ? "0.0" : "0.00";
        return $"{bytes.ToString(format, CultureInfo.InvariantCulture)} {s_units[unit]}";
    }

    /// <summary>"3.25 MiB/s".</summary>
    public static string Rate(double bytesPerSecond) => $"{Size(bytesPerSecond)}/s";

    /// <summary>"45 s", "3 min 20 s", "2 h 05 min", "3 d 4 h".</summary>
    public static string Duration(double seconds)
    {
        var time = TimeSpan.FromSeconds(Math.Max(0, Math.Round(seconds)));
        return time.TotalSeconds < 60 ? $"{time.Seconds} s"
            : time.TotalMinutes < 60 ? $"{time.Minutes} min {time.Seconds} s"
            : time.TotalHours < 24 ? $"{(int)time.TotalHours} h {time.Minutes:00} min"
            : $"{(int)time.TotalDays} d {time.Hours} h";
    }

    /// <summary>"9,996".</summary>
    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);
}

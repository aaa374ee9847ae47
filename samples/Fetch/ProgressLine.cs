using System.Diagnostics;

namespace Fetch;

/// <summary>One self-rewriting status line: bar, bytes, speed and time left.</summary>
internal sealed class ProgressLine
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _startBytes = -1;
    private TimeSpan? _lastDraw;

    public void Draw(string verb, long done, long total, bool force = false)
    {
        if (!force && _lastDraw is { } last && _clock.Elapsed - last < TimeSpan.FromMilliseconds(100))
            return;
        _lastDraw = _clock.Elapsed;
        if (_startBytes < 0)
            _startBytes = done;
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        double rate = (done - _startBytes) / seconds;
        string bar = total > 0 ? new string('#', (int)(30 * done / total)).PadRight(30, '.') : new string('?', 30);
        string eta = total > 0 && rate > 0 ? TimeSpan.FromSeconds((total - done) / rate).ToString(@"mm\:ss") : "--:--";
        string of = total > 0 ? $" / {Size(total)}" : "";
        Console.Error.Write($"\r{verb} [{bar}] {Size(done)}{of}  {Size((long)rate)}/s  ETA {eta}   ");
    }

    public static void Finish() => Console.Error.WriteLine();

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:F0} KiB",
        _ => $"{bytes} B",
    };
}

using System.Diagnostics;

namespace UrlLoading.Daemon;

/// <summary>
/// A rate over the last few seconds, for <c>urlsessiond status</c> and <c>list</c>: amounts added into one-second
/// buckets, the rate being what the buckets of the window hold, divided by the time they span.
/// </summary>
internal sealed class TransferMeter
{
    private const int WindowSeconds = 5;
    private readonly long[] _amounts = new long[WindowSeconds + 1];
    private readonly long[] _seconds = new long[WindowSeconds + 1];
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Lock _gate = new();
    private long _total;

    /// <summary>Everything added since the meter started.</summary>
    public long Total => Interlocked.Read(ref _total);

    public void Add(long amount)
    {
        long second = Second();
        int slot = (int)(second % _amounts.Length);
        lock (_gate)
        {
            if (_seconds[slot] != second)
                (_seconds[slot], _amounts[slot]) = (second, 0);
            _amounts[slot] += amount;
            _total += amount;
        }
    }

    /// <summary>Per second over the last <see cref="WindowSeconds"/> seconds and the one under way (less while the meter is younger).</summary>
    public double PerSecond
    {
        get
        {
            double elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            long now = (long)elapsed;
            double span = Math.Min(elapsed, WindowSeconds + (elapsed - now));
            if (span <= 0)
                return 0;
            long sum = 0;
            lock (_gate)
            {
                for (int i = 0; i < _amounts.Length; i++)
                {
                    if (_seconds[i] <= now && _seconds[i] >= now - WindowSeconds)
                        sum += _amounts[i];
                }
            }
            return sum / span;
        }
    }

    private long Second() => (long)Stopwatch.GetElapsedTime(_started).TotalSeconds;
}

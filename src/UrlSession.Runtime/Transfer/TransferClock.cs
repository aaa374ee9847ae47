using System;
using System.Threading;

namespace UrlLoading.Transfer;

/// <summary>
/// The two timeouts of a task: the request timeout is an idle timer, restarted whenever bytes move and paused while
/// the delegate or a suspension holds the transfer; the resource timeout bounds the whole task.
/// </summary>
/// <remarks>
/// A clock owns no timer and no <see cref="CancellationTokenSource"/>: activity is a timestamp, the session's
/// <see cref="TransferTimers"/> checks every running clock periodically, and an expired clock cancels the task's own
/// signal (the one its <see cref="UrlSessionTask.Cancel"/> cancels), marking itself <see cref="TimedOut"/> first.
/// </remarks>
internal sealed class TransferClock : IDisposable
{
    // Timeouts this long (about 49 days, CancelAfter's limit) never fire.
    private static readonly TimeSpan s_longestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
    private readonly TransferTimers? _timers;
    private readonly CancellationTokenSource _signal;
    private readonly long _deadlineMs;
    private long _lastActivityMs;
    private volatile bool _paused;
    private volatile bool _timedOut;

    /// <summary>A clock that <paramref name="timers"/> checks; none checks it when null (a task the daemon runs).</summary>
    public TransferClock(TransferTimers? timers, CancellationTokenSource signal, TimeSpan idleTimeout,
        TimeSpan resourceTimeout)
    {
        _signal = signal;
        IdleTimeoutMs = idleTimeout < s_longestTimer ? (long)idleTimeout.TotalMilliseconds : long.MaxValue;
        long now = Environment.TickCount64;
        long resourceMs = resourceTimeout < s_longestTimer ? (long)resourceTimeout.TotalMilliseconds : long.MaxValue;
        _deadlineMs = resourceMs == long.MaxValue ? long.MaxValue : now + resourceMs;
        _lastActivityMs = now;
        CheckPeriodMs = Math.Max(5, Math.Min(IdleTimeoutMs, resourceMs) / 8);
        if (IdleTimeoutMs != long.MaxValue || _deadlineMs != long.MaxValue)
            _timers = timers?.Add(this);
    }

    public CancellationToken Token => _signal.Token;

    public bool TimedOut => _timedOut;

    /// <summary>The idle timeout in milliseconds, <see cref="long.MaxValue"/> for none.</summary>
    internal long IdleTimeoutMs { get; }

    /// <summary>How often this clock wants to be checked: an eighth of its shorter timeout, at least 5 ms.</summary>
    internal long CheckPeriodMs { get; }

    /// <summary>Where this clock sits in its <see cref="TransferTimers"/>; -1 when in none.</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>Bytes moved: restart the idle period.</summary>
    public void Touch()
    {
        Volatile.Write(ref _lastActivityMs, Environment.TickCount64);
        _paused = false;
    }

    /// <summary>
    /// The transfer waits for something other than the network: the timers stop until the next <see cref="Touch"/>.
    /// </summary>
    public void Pause() => _paused = true;

    public void Dispose() => _timers?.Remove(this);

    /// <summary>
    /// Whether the link has been idle too long, or the task has run out of time, at <paramref name="nowMs"/>.
    /// </summary>
    internal bool HasExpired(long nowMs) =>
        !_paused && (nowMs >= _deadlineMs || nowMs - Volatile.Read(ref _lastActivityMs) >= IdleTimeoutMs);

    /// <summary>Times the transfer out: marks it, then cancels the task's signal.</summary>
    internal void Expire()
    {
        _timedOut = true;
        _signal.Cancel();
    }
}

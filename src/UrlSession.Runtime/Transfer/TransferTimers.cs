using System;
using System.Collections.Generic;
using System.Threading;

namespace UrlLoading.Transfer;

/// <summary>
/// The one timer of a session: while tasks run, it ticks (as often as the shortest timeout among them needs) and
/// times out every <see cref="TransferClock"/> that has expired. Starting and ending a task costs a list slot, not a
/// timer or a <see cref="CancellationTokenSource"/>.
/// </summary>
internal sealed class TransferTimers : IDisposable
{
    private readonly object _gate = new();
    private readonly List<TransferClock> _clocks = [];
    private Timer? _timer;
    private long _periodMs = Timeout.Infinite;
    private bool _disposed;

    /// <summary>Starts checking <paramref name="clock"/>; returns this.</summary>
    public TransferTimers Add(TransferClock clock)
    {
        lock (_gate)
        {
            clock.Slot = _clocks.Count;
            _clocks.Add(clock);
            if (!_disposed && (_periodMs == Timeout.Infinite || clock.CheckPeriodMs < _periodMs))
            {
                _periodMs = clock.CheckPeriodMs;
                _timer ??= new Timer(static s => ((TransferTimers)s!).Tick(), this, Timeout.Infinite, Timeout.Infinite);
                _timer.Change(_periodMs, _periodMs);
            }
        }
        return this;
    }

    /// <summary>Stops checking <paramref name="clock"/> (its task ended).</summary>
    public void Remove(TransferClock clock)
    {
        lock (_gate)
            RemoveLocked(clock);
    }

    private void RemoveLocked(TransferClock clock)
    {
        int slot = clock.Slot;
        if (slot < 0)
            return;
        var last = _clocks[^1];
        _clocks[slot] = last;
        last.Slot = slot;
        _clocks.RemoveAt(_clocks.Count - 1);
        clock.Slot = -1;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void Tick()
    {
        long now = Environment.TickCount64;
        List<TransferClock>? expired = null;
        lock (_gate)
        {
            // Idle since the last tick: stop until a task starts again (Add restarts the timer).
            if (_clocks.Count == 0)
            {
                _periodMs = Timeout.Infinite;
                _timer?.Change(Timeout.Infinite, Timeout.Infinite);
                return;
            }
            for (int i = _clocks.Count - 1; i >= 0; i--)
            {
                var clock = _clocks[i];
                if (!clock.HasExpired(now))
                    continue;
                RemoveLocked(clock);
                (expired ??= []).Add(clock);
            }
        }
        // Cancelling runs the transfer's callbacks: outside the lock.
        if (expired is not null)
        {
            foreach (var clock in expired)
                clock.Expire();
        }
    }
}

using System;
using System.Threading;

namespace UrlLoading.Transfer;

/// <summary>
/// The two timeouts of a task: the request timeout is an idle timer, restarted whenever bytes move and paused while
/// the delegate or a suspension holds the transfer; the resource timeout bounds the whole task.
/// </summary>
/// <remarks>
/// Restarting a timer on every read costs more than the read on a fast link, so activity is a timestamp and one
/// periodic check (every eighth of the timeout) cancels the transfer once the link has been idle long enough.
/// </remarks>
internal sealed class TransferClock : IDisposable
{
    // CancellationTokenSource.CancelAfter accepts at most uint.MaxValue - 1 milliseconds (about 49 days).
    private static readonly TimeSpan s_longestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
    private readonly CancellationTokenSource _idle = new();
    private readonly CancellationTokenSource _resource = new();
    private readonly CancellationTokenSource _linked;
    private readonly long _idleTimeoutMs;
    private readonly Timer? _idleCheck;
    private long _lastActivityMs;
    private volatile bool _paused;

    public TransferClock(CancellationToken cancellation, TimeSpan idleTimeout, TimeSpan resourceTimeout)
    {
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _idle.Token, _resource.Token);
        if (resourceTimeout < s_longestTimer)
            _resource.CancelAfter(resourceTimeout);
        _idleTimeoutMs = (long)idleTimeout.TotalMilliseconds;
        Touch();
        if (idleTimeout < s_longestTimer)
        {
            var period = TimeSpan.FromMilliseconds(Math.Max(5, _idleTimeoutMs / 8));
            _idleCheck = new Timer(static s => ((TransferClock)s!).CheckIdle(), this, period, period);
        }
    }

    public CancellationToken Token => _linked.Token;

    public bool TimedOut => _idle.IsCancellationRequested || _resource.IsCancellationRequested;

    /// <summary>Bytes moved: restart the idle period.</summary>
    public void Touch()
    {
        Volatile.Write(ref _lastActivityMs, Environment.TickCount64);
        _paused = false;
    }

    /// <summary>The transfer waits for something other than the network: the idle timer stops until the next <see cref="Touch"/>.</summary>
    public void Pause() => _paused = true;

    public void Dispose()
    {
        _idleCheck?.Dispose();
        _linked.Dispose();
        _idle.Dispose();
        _resource.Dispose();
    }

    private void CheckIdle()
    {
        if (_paused || Environment.TickCount64 - Volatile.Read(ref _lastActivityMs) < _idleTimeoutMs)
            return;
        try
        {
            _idle.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The transfer ended between the check and the cancel.
        }
    }
}

using System;
using System.Threading;

namespace UrlLoading.Transfer;

/// <summary>
/// The two timeouts of a task: the request timeout is an idle timer, reset whenever bytes move and paused while the
/// delegate or a suspension holds the transfer; the resource timeout bounds the whole task.
/// </summary>
internal sealed class TransferClock : IDisposable
{
    // CancellationTokenSource.CancelAfter accepts at most uint.MaxValue - 1 milliseconds (about 49 days).
    private static readonly TimeSpan s_longestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
    private readonly CancellationTokenSource _idle = new();
    private readonly CancellationTokenSource _resource = new();
    private readonly CancellationTokenSource _linked;
    private readonly TimeSpan _idleTimeout;

    public TransferClock(CancellationToken cancellation, TimeSpan idleTimeout, TimeSpan resourceTimeout)
    {
        _idleTimeout = idleTimeout;
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _idle.Token, _resource.Token);
        if (resourceTimeout < s_longestTimer)
            _resource.CancelAfter(resourceTimeout);
        Touch();
    }

    public CancellationToken Token => _linked.Token;

    public bool TimedOut => _idle.IsCancellationRequested || _resource.IsCancellationRequested;

    /// <summary>Bytes moved: restart the idle timer.</summary>
    public void Touch()
    {
        if (_idleTimeout < s_longestTimer)
            _idle.CancelAfter(_idleTimeout);
    }

    /// <summary>The transfer waits for something other than the network: stop the idle timer until the next <see cref="Touch"/>.</summary>
    public void Pause() => _idle.CancelAfter(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _linked.Dispose();
        _idle.Dispose();
        _resource.Dispose();
    }
}

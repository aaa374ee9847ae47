using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// Where a session's delegate callbacks and completion handlers run (Apple's <c>delegateQueue</c>). Every queue is
/// serial: one callback at a time, in the order they were issued, and the next waits for the previous one to finish,
/// including its asynchronous part.
/// </summary>
public abstract class DelegateQueue
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    private protected DelegateQueue()
    {
    }

    /// <summary>A new serial queue. Callbacks run on the thread pool, one at a time. This is the default for a session.</summary>
    /// <returns>The queue.</returns>
    public static DelegateQueue CreateSerial() => new SerialDelegateQueue();

    /// <summary>A queue that posts each callback to a synchronization context, for example a UI thread's.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The queue.</returns>
    public static DelegateQueue FromSynchronizationContext(SynchronizationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ContextDelegateQueue(context);
    }

    /// <summary>A queue that runs each callback on a task scheduler, one at a time.</summary>
    /// <param name="scheduler">The scheduler.</param>
    /// <returns>The queue.</returns>
    public static DelegateQueue FromTaskScheduler(TaskScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return new SchedulerDelegateQueue(scheduler);
    }

    internal ValueTask InvokeAsync<TState>(Func<TState, ValueTask> callback, TState state)
    {
        // Fast path, taken by every uncontended callback that finishes synchronously: no state machine, no allocation.
        if (!_gate.Wait(0))
            return InvokeAfterWaitAsync(callback, state);
        ValueTask pending;
        try
        {
            pending = RunAsync(callback, state);
        }
        catch
        {
            _gate.Release();
            throw;
        }
        if (pending.IsCompletedSuccessfully)
        {
            _gate.Release();
            return default;
        }
        return ReleaseAfterAsync(pending);
    }

    private async ValueTask InvokeAfterWaitAsync<TState>(Func<TState, ValueTask> callback, TState state)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await RunAsync(callback, state).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask ReleaseAfterAsync(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async ValueTask<TResult> InvokeAsync<TState, TResult>(Func<TState, ValueTask<TResult>> callback, TState state)
    {
        var box = new StrongBox<TResult>();
        await InvokeAsync(static async s => { s.Box.Value = await s.Callback(s.State).ConfigureAwait(false); }, (Callback: callback, State: state, Box: box)).ConfigureAwait(false);
        return box.Value!;
    }

    private protected abstract ValueTask RunAsync<TState>(Func<TState, ValueTask> callback, TState state);

    private sealed class SerialDelegateQueue : DelegateQueue
    {
        private protected override ValueTask RunAsync<TState>(Func<TState, ValueTask> callback, TState state) => callback(state);
    }

    private sealed class ContextDelegateQueue(SynchronizationContext context) : DelegateQueue
    {
        private protected override ValueTask RunAsync<TState>(Func<TState, ValueTask> callback, TState state)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            context.Post(static s =>
            {
                var (cb, st, tcs) = ((Func<TState, ValueTask>, TState, TaskCompletionSource))s!;
                _ = Complete(cb, st, tcs);
            }, (callback, state, done));
            return new ValueTask(done.Task);
        }

        private static async Task Complete<TState>(Func<TState, ValueTask> callback, TState state, TaskCompletionSource done)
        {
            try
            {
                await callback(state);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }
    }

    private sealed class SchedulerDelegateQueue(TaskScheduler scheduler) : DelegateQueue
    {
        private protected override ValueTask RunAsync<TState>(Func<TState, ValueTask> callback, TState state) =>
            new(Task.Factory.StartNew(static s =>
            {
                var (cb, st) = ((Func<TState, ValueTask>, TState))s!;
                return cb(st).AsTask();
            }, (callback, state), CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap());
    }
}

using System.Collections.Concurrent;
using System.Threading.Channels;
using UrlLoading.Background;

namespace UrlLoading.Daemon;

/// <summary>
/// Sends one session's events to the one connection that has it open. The journal is the source of truth: a journaled
/// event only wakes this sender, which then sends every undelivered event after the last one it sent, in sequence
/// order, a page at a time. Transfers journal and publish concurrently, so their publications arrive out of sequence
/// order; sending the message each one carries, and skipping any at or below the last sequence sent, lost every event
/// that a later one overtook (issue 13). Progress is not journaled: the latest per task is sent, just before that
/// task's next journaled event when one follows. Publishing never waits for the app's socket, so a slow or stopped
/// app holds up only its own events, never a transfer.
/// </summary>
internal sealed class SessionDelivery(SessionKey key, StateStore store, RpcConnection rpc)
{
    private const int PageSize = 256;
    private readonly Channel<bool> _wake =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly ConcurrentQueue<TaskCompletionSource<int>> _replays = new();
    private readonly ConcurrentDictionary<int, EventMessage> _progress = new();
    private long _lastSent;
    private volatile bool _live;

    /// <summary>A journaled event (sequence above 0) or a task's latest progress; sent once the replay started.</summary>
    public void Publish(EventMessage message)
    {
        if (!_live)
            return;
        if (message.Sequence == 0)
            _progress[message.TaskIdentifier] = message;
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Sends where each unfinished transfer stands, every undelivered event after the last one sent, and
    /// <c>replayDone</c>; from then on live events follow. Returns how many journaled events it sent.
    /// </summary>
    public Task<int> ReplayAsync()
    {
        var replay = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replays.Enqueue(replay);
        if (!_wake.Writer.TryWrite(true))
            replay.TrySetException(new IOException("The connection closed."));
        return replay.Task;
    }

    /// <summary>The connection closed: the sender stops; what it did not send waits in the journal.</summary>
    public void Complete() => _wake.Writer.TryComplete();

    /// <summary>The sender: one at a time per session and connection, until the connection closes.</summary>
    public async Task RunAsync()
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync())
            {
                _wake.Reader.TryRead(out _);
                while (_replays.TryDequeue(out var replay))
                    replay.TrySetResult(await SendReplayAsync());
                if (_live)
                {
                    foreach (var taskIdentifier in _progress.Keys)
                        await SendProgressAsync(taskIdentifier);
                    await SendJournalAsync();
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone: the events stay in the journal for the next attach.
        }
        finally
        {
            _wake.Writer.TryComplete();
            while (_replays.TryDequeue(out var replay))
                replay.TrySetException(new IOException("The connection closed before the replay."));
        }
    }

    private async Task<int> SendReplayAsync()
    {
        // First where each unfinished transfer stands (not journaled: only the latest matters), then what was missed.
        foreach (var task in store.Tasks(key, state: "running"))
        {
            if (task.Info.BytesReceived > 0 || task.Info.BytesSent > 0)
            {
                long done = task.Info.Kind == "upload" ? task.Info.BytesSent : task.Info.BytesReceived;
                await SendAsync(new EventMessage(key.Identifier, 0, task.Info.TaskIdentifier, EventKinds.Progress, 0, done, task.Info.BytesExpected,
                    null, null, 0, null, null));
            }
        }
        int count = await SendJournalAsync();
        await SendAsync(new EventMessage(key.Identifier, 0, 0, EventKinds.ReplayDone, 0, 0, 0, null, null, 0, null, null));
        _live = true;
        return count;
    }

    /// <summary>Every undelivered event after the last one sent, oldest first, a page at a time.</summary>
    private async Task<int> SendJournalAsync()
    {
        int sent = 0;
        while (true)
        {
            var page = store.PendingEvents(key, _lastSent, PageSize);
            foreach (var message in page)
            {
                await SendProgressAsync(message.TaskIdentifier);
                await SendAsync(message);
                _lastSent = message.Sequence;
            }
            sent += page.Count;
            if (page.Count < PageSize)
                return sent;
        }
    }

    private async Task SendProgressAsync(int taskIdentifier)
    {
        if (_progress.TryRemove(taskIdentifier, out var progress))
            await SendAsync(progress);
    }

    private Task SendAsync(EventMessage message) =>
        rpc.NotifyAsync(BackgroundProtocol.Event, message, ProtocolJson.Default.EventMessage);
}

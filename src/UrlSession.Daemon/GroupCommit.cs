using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace UrlLoading.Daemon;

/// <summary>
/// Commits the daemon's writes in groups: each write waits in a queue, one writer runs every write waiting (at most
/// <see cref="MaximumGroup"/>) in one transaction, each in a savepoint of its own, and commits them with one
/// <c>fsync</c>. A write's task completes only after its group committed, so whatever the daemon answers or sends
/// after awaiting it is on disk first. Under load the queue fills while the previous group commits, which is what
/// makes the groups large; an idle daemon commits a lone write at once, with no added delay.
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    /// <summary>Writes in one transaction at most, so a flood of them still commits (and answers) in steps.</summary>
    public const int MaximumGroup = 2048;

    private readonly SqliteConnection _db;
    private readonly Lock _gate;
    private readonly Channel<IWrite> _queue = Channel.CreateUnbounded<IWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private long _groups;
    private long _writes;

    /// <param name="db">The connection; the writer holds <paramref name="gate"/> while it uses it.</param>
    /// <param name="gate">Serialises the writer with the store's readers on the one connection.</param>
    public GroupCommit(SqliteConnection db, Lock gate)
    {
        _db = db;
        _gate = gate;
        _writer = Task.Run(WriteGroupsAsync);
    }

    /// <summary>Groups committed and writes in them since the daemon started (for <c>urlsessiond status</c>).</summary>
    public (long Groups, long Writes) Committed => (Interlocked.Read(ref _groups), Interlocked.Read(ref _writes));

    /// <summary>Runs <paramref name="write"/> in the next group; completes with its result once the group committed.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteTransaction, T> write)
    {
        var queued = new Write<T>(write);
        if (!_queue.Writer.TryWrite(queued))
            throw new ObjectDisposedException(nameof(GroupCommit), "The state database is closed.");
        return queued.Done.Task;
    }

    /// <summary>Commits what is queued, then stops taking writes.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteGroupsAsync()
    {
        var group = new List<IWrite>(MaximumGroup);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (group.Count < MaximumGroup && _queue.Reader.TryRead(out var write))
                group.Add(write);
            Commit(group);
            group.Clear();
        }
    }

    private void Commit(List<IWrite> group)
    {
        try
        {
            lock (_gate)
            {
                using var transaction = _db.BeginTransaction();
                foreach (var write in group)
                {
                    // A write that fails rolls back alone, and its caller gets the exception; the others still commit.
                    transaction.Save("write");
                    try
                    {
                        write.Run(transaction);
                        transaction.Release("write");
                    }
                    catch (Exception e)
                    {
                        transaction.Rollback("write");
                        write.Fail(e);
                    }
                }
                transaction.Commit();
            }
        }
        catch (Exception e)
        {
            // The commit itself failed (disk full, I/O error): nothing in the group is durable, and every caller learns
            // it; the writer goes on with the next group.
            foreach (var write in group)
                write.Fail(e);
            return;
        }
        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _writes, group.Count);
        foreach (var write in group)
            write.Committed();
    }

    private interface IWrite
    {
        void Run(SqliteTransaction transaction);

        void Fail(Exception error);

        void Committed();
    }

    private sealed class Write<T>(Func<SqliteTransaction, T> write) : IWrite
    {
        private T? _result;
        private bool _failed;

        public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Run(SqliteTransaction transaction) => _result = write(transaction);

        public void Fail(Exception error)
        {
            _failed = true;
            Done.TrySetException(error);
        }

        public void Committed()
        {
            if (!_failed)
                Done.TrySetResult(_result!);
        }
    }
}

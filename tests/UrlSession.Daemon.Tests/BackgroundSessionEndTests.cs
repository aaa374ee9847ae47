namespace UrlLoading.Daemon.Tests;

/// <summary>
/// Ending a background session never hangs on urlsessiond: with the daemon stopped (SIGSTOP: alive, silent) or killed
/// while transfers run, DisposeAsync, FinishTasksAndInvalidate and InvalidateAndCancel reach DidBecomeInvalid within
/// a bound, and the daemon still holds every transfer for the next attach.
/// </summary>
[Collection(InProcessSessions.Name)]
public sealed class BackgroundSessionEndTests
{
    private const int Tasks = 12;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Far above the session's own bound (a few seconds): the test fails on a hang, not on speed.</summary>
    private static readonly TimeSpan s_generous = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("DisposeAsync", "stopped")]
    [InlineData("DisposeAsync", "killed")]
    [InlineData("FinishTasksAndInvalidate", "killed")]
    [InlineData("InvalidateAndCancel", "stopped")]
    public async Task Ending_a_session_returns_while_the_daemon_is_gone_or_silent(string ending, string daemon)
    {
        // Every transfer stalls after its first bytes, so all of them are under way when the daemon goes.
        await using var server = await FileServer.StartAsync(size: 200_000, stallAfter: 10_000);
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        using var environment = world.UseInThisProcess();
        var watcher = new InvalidationWatcher();
        var session = new UrlSession(UrlSessionConfiguration.Background("tests.end"), watcher);
        for (int i = 0; i < Tasks; i++)
            session.DownloadTask(server.Url).Resume();
        await session.FlushAsync().AsTask().WaitAsync(s_generous, Ct);
        await world.UntilAsync(_ => server.Requests.Count >= 4, "transfers to be under way");

        if (daemon == "stopped")
            await world.StopDaemonAsync();
        else
            await world.KillDaemonAsync();
        try
        {
            switch (ending)
            {
                case "DisposeAsync":
                    await session.DisposeAsync().AsTask().WaitAsync(s_generous, Ct);
                    break;
                case "FinishTasksAndInvalidate":
                    session.FinishTasksAndInvalidate();
                    break;
                default:
                    session.InvalidateAndCancel();
                    break;
            }
            await watcher.Invalidated.Task.WaitAsync(s_generous, Ct);
        }
        finally
        {
            if (daemon == "stopped")
                await world.ContinueDaemonAsync();
        }
        Assert.Equal(0, watcher.Completions);

        if (daemon == "stopped")
        {
            // Nothing was lost by leaving: the daemon, running again, finishes every transfer and keeps its events
            // (two per task, or one cancellation per task that the stopped daemon never read) for the next attach.
            server.Release.TrySetResult();
            var sessions = await world.UntilAsync(s => s.Single().Tasks.All(t => t.State != "running"), "the transfers to end");
            Assert.Equal(Tasks, sessions.Single().Tasks.Count);
            Assert.InRange(sessions.Single().PendingEvents, Tasks, 2 * Tasks);
        }
    }

    private sealed class InvalidationWatcher : IUrlSessionDelegate
    {
        private int _completions;

        public UrlSessionCallbacks Callbacks => UrlSessionCallbacks.DidCompleteWithError | UrlSessionCallbacks.DidBecomeInvalid;

        public TaskCompletionSource Invalidated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Completions => Volatile.Read(ref _completions);

        public ValueTask DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error)
        {
            Interlocked.Increment(ref _completions);
            return default;
        }

        public ValueTask DidBecomeInvalid(UrlSession session, Exception? error)
        {
            Invalidated.TrySetResult();
            return default;
        }
    }
}

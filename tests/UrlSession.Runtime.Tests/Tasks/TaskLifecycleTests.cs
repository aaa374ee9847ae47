using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Tasks;

public sealed class TaskLifecycleTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_task_is_created_suspended_runs_after_resume_and_ends_completed()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/hello"));
        Assert.Equal(UrlSessionTaskState.Suspended, task.State);
        Assert.Equal(UrlSessionTask.DefaultPriority, task.Priority);
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(UrlSessionTaskState.Completed, task.State);
        Assert.Equal(5, task.CountOfBytesReceived);
        Assert.Equal(5, task.CountOfBytesExpectedToReceive);
        Assert.Null(task.Error);
        Assert.Equal(200, ((HttpUrlResponse)task.Response!).StatusCode);
    }

    [Fact]
    public async Task Task_identifiers_are_unique_and_increase_within_a_session()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var ids = Enumerable.Range(0, 20).Select(_ => session.DataTask(server.Url("/hello")).TaskIdentifier).ToList();
        Assert.Equal(Enumerable.Range(1, 20), ids);
        foreach (var task in await session.GetAllTasksAsync())
            task.Cancel();
    }

    [Fact]
    public async Task Cancel_before_resume_completes_once_with_Cancelled_and_sends_nothing()
    {
        await using var raw = new RawServer((_, _) => Task.CompletedTask);
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(raw.Url());
        task.Cancel();
        var error = await recorder.CompletionOf(task).WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.Cancelled, error!.Code);
        Assert.Equal(-999, (int)error.Code);
        Assert.Equal(raw.Url(), error.FailingUrl);
        task.Resume();
        task.Cancel();
        Assert.Equal(UrlSessionTaskState.Completed, task.State);
        Assert.Equal(0, raw.AcceptedConnections);
        Assert.Equal(["complete Cancelled"], recorder.EventsOf(task).Where(e => !e.StartsWith("metrics", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Suspend_and_resume_nest()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/hello"));
        task.Suspend();
        task.Resume();
        Assert.Equal(UrlSessionTaskState.Suspended, task.State);
        task.Resume();
        Assert.Equal(UrlSessionTaskState.Running, task.State);
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
    }

    [Fact]
    public async Task A_task_suspended_mid_body_moves_no_bytes_until_resumed()
    {
        var recorder = new RecordingDelegate();
        var firstChunk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resumeNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int chunks = 0;
        recorder.OnData = async (task, _) =>
        {
            if (Interlocked.Increment(ref chunks) == 1)
            {
                // Suspend before telling the test, so that it never sees the task still running.
                task.Suspend();
                firstChunk.SetResult();
                await Task.Yield();
            }
        };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/bytes/1048576"));
        task.Resume();
        await firstChunk.Task.WaitAsync(Ct);
        long atSuspend = task.CountOfBytesReceived;
        Assert.Equal(UrlSessionTaskState.Suspended, task.State);
        Assert.False(recorder.CompletionOf(task).IsCompleted);
        Assert.Equal(atSuspend, task.CountOfBytesReceived);
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(1048576, task.CountOfBytesReceived);
    }

    [Fact]
    public async Task Racing_cancels_and_resumes_complete_each_task_exactly_once()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var tasks = Enumerable.Range(0, 40).Select(_ => session.DataTask(server.Url("/bytes/200000"))).ToList();
        await Parallel.ForEachAsync(tasks, Ct, (task, _) =>
        {
            Parallel.Invoke(task.Resume, task.Cancel, task.Cancel, task.Resume, task.Suspend, task.Cancel);
            return default;
        });
        foreach (var task in tasks)
        {
            var error = await recorder.CompletionOf(task).WaitAsync(Ct);
            Assert.True(error is null || error.Code == UrlErrorCode.Cancelled, $"unexpected {error}");
            Assert.Equal(UrlSessionTaskState.Completed, task.State);
        }
        Assert.DoesNotContain(recorder.Events, e => e.Contains("DUPLICATE", StringComparison.Ordinal));
        Assert.Equal(40, recorder.Events.Count(e => e.Contains(":complete", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Cancelling_a_running_task_yields_Cancelled()
    {
        var recorder = new RecordingDelegate();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var raw = new RawServer(async (socket, ct) =>
        {
            await RawServer.ReadRequestHeadAsync(socket, ct);
            await RawServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc", ct);
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(raw.Url());
        task.Resume();
        await started.Task.WaitAsync(Ct);
        task.Cancel();
        Assert.Contains(task.State, new[] { UrlSessionTaskState.Canceling, UrlSessionTaskState.Completed });
        Assert.Equal(UrlErrorCode.Cancelled, (await recorder.CompletionOf(task).WaitAsync(Ct))!.Code);
        Assert.Equal(UrlSessionTaskState.Completed, task.State);
    }

    [Fact]
    public void Priority_outside_zero_to_one_is_rejected()
    {
        using var session = new UrlSession(UrlSessionConfiguration.Ephemeral).AsDisposable();
        var task = session.Value.DataTask(new Uri("http://127.0.0.1/"));
        task.Priority = UrlSessionTask.HighPriority;
        Assert.Equal(0.75f, task.Priority);
        Assert.Throws<ArgumentOutOfRangeException>(() => task.Priority = 1.5f);
        task.Cancel();
    }

    [Fact]
    public async Task GetAllTasks_returns_resumed_unfinished_tasks_only()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var neverResumed = session.DataTask(server.Url("/hello"));
        var running = session.DataTask(server.Url("/slow-headers"));
        running.Resume();
        var finished = session.DataTask(server.Url("/hello"));
        finished.Resume();
        await recorder.CompletionOf(finished).WaitAsync(Ct);

        var all = await session.GetAllTasksAsync();
        Assert.Equal([running.TaskIdentifier], all.Select(t => t.TaskIdentifier));
        running.Cancel();
        neverResumed.Cancel();
    }
}

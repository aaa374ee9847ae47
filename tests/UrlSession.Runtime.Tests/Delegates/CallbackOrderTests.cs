using System.Runtime.InteropServices;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Delegates;

public sealed class CallbackOrderTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_GET_reports_response_then_data_then_metrics_then_completion()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/bytes/300000"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(["response 200", "data", "metrics 1", "complete ok"], recorder.EventsOf(task));
        var body = recorder.Body.ToArray();
        Assert.Equal(300000, body.Length);
        for (int i = 0; i < body.Length; i++)
            Assert.Equal(TestServer.Pattern(i), body[i]);
    }

    [Fact]
    public async Task An_HTTP_error_status_is_a_response_not_an_error()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/status/404"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(["response 404", "data", "metrics 1", "complete ok"], recorder.EventsOf(task));
        Assert.Equal("status 404", Encoding.UTF8.GetString(recorder.Body.ToArray()));
    }

    [Fact]
    public async Task The_body_waits_for_the_DidReceiveResponse_answer()
    {
        var recorder = new RecordingDelegate();
        long receivedWhileDeciding = -1;
        recorder.OnResponse = async (task, _) =>
        {
            await Task.Yield();
            receivedWhileDeciding = task.CountOfBytesReceived;
            return ResponseDisposition.Allow;
        };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/bytes/100000"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(0, receivedWhileDeciding);
        Assert.Equal(100000, task.CountOfBytesReceived);
    }

    [Fact]
    public async Task Cancel_disposition_ends_the_task_with_Cancelled_and_no_data()
    {
        var recorder = new RecordingDelegate { OnResponse = (_, _) => new(ResponseDisposition.Cancel) };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/bytes/100000"));
        task.Resume();
        Assert.Equal(UrlErrorCode.Cancelled, (await recorder.CompletionOf(task).WaitAsync(Ct))!.Code);
        Assert.Equal(["response 200", "metrics 1", "complete Cancelled"], recorder.EventsOf(task));
        Assert.Equal(0, task.CountOfBytesReceived);
    }

    [Fact]
    public async Task Completion_handler_tasks_bypass_response_data_and_completion_callbacks_but_not_redirects()
    {
        var recorder = new RecordingDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var done = new TaskCompletionSource<(byte[]?, UrlResponse?, UrlError?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = session.DataTask(server.Url("/redirect/302?to=/hello"), (data, response, error) => done.SetResult((data, response, error)));
        task.Resume();
        var (data, response, error) = await done.Task.WaitAsync(Ct);
        Assert.Null(error);
        Assert.Equal("hello", Encoding.UTF8.GetString(data!));
        Assert.Equal(server.Url("/hello"), response!.Url);
        Assert.Equal(["redirect 302 GET /hello", "metrics 2"], recorder.EventsOf(task));
    }

    [Fact]
    public async Task Completion_handler_gets_null_data_and_the_error_on_failure()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var done = new TaskCompletionSource<(byte[]?, UrlError?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = session.DataTask(new Uri("ftp://127.0.0.1/file"), (data, _, error) => done.SetResult((data, error)));
        task.Resume();
        var (data, error) = await done.Task.WaitAsync(Ct);
        Assert.Null(data);
        Assert.Equal(UrlErrorCode.UnsupportedUrl, error!.Code);
    }

    [Fact]
    public async Task DidReceiveData_gets_pooled_memory_and_nothing_is_buffered_for_the_delegate()
    {
        var arrays = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        long bytes = 0;
        var recorder = new RecordingDelegate
        {
            OnData = (_, data) =>
            {
                Assert.True(MemoryMarshal.TryGetArray(data, out var segment));
                arrays.Add(segment.Array!);
                bytes += data.Length;
                return default;
            },
        };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        const int size = 16 * 1024 * 1024;
        var task = session.DataTask(server.Url($"/bytes/{size}"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(size, bytes);
        // One rented buffer serves the whole transfer: memory stays flat whatever the body's size.
        Assert.Single(arrays);
    }

    [Fact]
    public async Task Callbacks_of_one_session_never_overlap()
    {
        var recorder = new RecordingDelegate
        {
            OnData = async (_, _) => await Task.Yield(),
        };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var tasks = Enumerable.Range(0, 8).Select(_ => session.DataTask(server.Url("/bytes/500000"))).ToList();
        tasks.ForEach(t => t.Resume());
        foreach (var task in tasks)
            Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal(1, recorder.MaxConcurrentCallbacks);
    }

    [Fact]
    public async Task A_synchronization_context_queue_runs_every_callback_on_that_context()
    {
        using var context = new SingleThreadContext();
        var threads = new HashSet<int>();
        var recorder = new RecordingDelegate
        {
            OnData = (_, _) =>
            {
                lock (threads)
                    threads.Add(Environment.CurrentManagedThreadId);
                return default;
            },
        };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder, DelegateQueue.FromSynchronizationContext(context));
        var task = session.DataTask(server.Url("/bytes/400000"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal([context.ThreadId], threads);
    }

    [Fact]
    public async Task A_delegate_callback_that_throws_fails_the_task_with_the_exception_inside()
    {
        var recorder = new RecordingDelegate { OnData = (_, _) => throw new InvalidOperationException("delegate bug") };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/bytes/1000"));
        task.Resume();
        var error = await recorder.CompletionOf(task).WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.Unknown, error!.Code);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }
}

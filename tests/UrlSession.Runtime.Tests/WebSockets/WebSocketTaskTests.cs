using System.Net.WebSockets;
using System.Text;

using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.WebSockets;

public sealed class WebSocketTaskTests(WebSocketServer server) : IClassFixture<WebSocketServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static UrlRequest Tagged(Uri url, string id) => new UrlRequest(url).WithHeader("X-Test-Id", id);

    [Fact]
    public async Task Text_and_binary_messages_echo_and_the_server_chooses_an_offered_subprotocol()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/echo"), ["chat.v3", "chat.v2"]);
        Assert.Equal(UrlSessionTaskState.Suspended, task.State);
        Assert.Equal("http", task.OriginalRequest.Url.Scheme);
        task.Resume();
        Assert.Equal("chat.v2", await recorder.Opened.WaitAsync(Ct));
        await task.SendAsync(new UrlSessionWebSocketMessage("héllo"), Ct);
        await task.SendAsync(new UrlSessionWebSocketMessage(new byte[] { 0, 1, 2, 255 }), Ct);
        var text = await task.ReceiveAsync(Ct);
        var data = await task.ReceiveAsync(Ct);
        Assert.Equal("héllo", text.Text);
        Assert.True(text.IsText);
        Assert.Null(data.Text);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, data.Data.ToArray());
        Assert.Equal(UrlSessionWebSocketCloseCode.Invalid, task.CloseCode);
        task.Cancel(UrlSessionWebSocketCloseCode.NormalClosure);
        Assert.Null(await recorder.Completion.WaitAsync(Ct));
        Assert.Equal(["open chat.v2", "close 1000 ", "complete ok"], recorder.Events);
    }

    [Fact]
    public async Task A_thousand_messages_each_way_arrive_in_the_order_they_were_sent()
    {
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/echo"));
        // Sent before the connection opens and without waiting for each other: the order still holds.
        var sends = Enumerable.Range(0, 1000).Select(i => task.SendAsync(new UrlSessionWebSocketMessage($"message {i}"), Ct)).ToList();
        task.Resume();
        await Task.WhenAll(sends).WaitAsync(Ct);
        for (int i = 0; i < 1000; i++)
            Assert.Equal($"message {i}", (await task.ReceiveAsync(Ct)).Text);
        Assert.True(task.CountOfBytesSent > 10_000);
        Assert.Equal(task.CountOfBytesSent, task.CountOfBytesReceived);
        task.Cancel(UrlSessionWebSocketCloseCode.NormalClosure);
    }

    [Fact]
    public async Task The_handshake_carries_the_session_cookies_and_additional_headers_and_stores_its_Set_Cookie()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.HttpAdditionalHeaders["X-App"] = "tour";
        var http = new Uri(server.BaseAddress.ToString().Replace("ws://", "http://", StringComparison.Ordinal));
        configuration.HttpCookieStorage!.SetCookie(new HttpCookie("session", "abc", http.Host));
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(configuration, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(Tagged(server.Url("/ws/echo?cookie=seen%3D1"), "cookies"));
        task.Resume();
        await recorder.Opened.WaitAsync(Ct);
        var seen = server.Handshakes["cookies"];
        Assert.Equal("session=abc", seen["Cookie"]);
        Assert.Equal("tour", seen["X-App"]);
        Assert.Equal("seen=1", ((HttpUrlResponse)task.Response!).ValueForHttpHeaderField("Set-Cookie"));
        Assert.Contains(configuration.HttpCookieStorage.CookiesFor(task.CurrentRequest.Url), c => c.Name == "seen" && c.Value == "1");
        Assert.Equal(101, ((HttpUrlResponse)task.Response!).StatusCode);
        task.Cancel(UrlSessionWebSocketCloseCode.NormalClosure);
        Assert.Null(await recorder.Completion.WaitAsync(Ct));
    }

    [Fact]
    public async Task A_401_on_the_handshake_is_answered_by_the_delegate_and_the_connection_opens()
    {
        var recorder = new WebSocketRecorder { Credential = new UrlCredential("alice", "secret") };
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/auth"));
        task.Resume();
        Assert.Equal("hello alice", (await task.ReceiveAsync(Ct)).Text);
        Assert.Equal(["challenge NSURLAuthenticationMethodHTTPBasic sockets", "open (none)"], recorder.Events);
        task.Cancel(UrlSessionWebSocketCloseCode.GoingAway);
        Assert.Null(await recorder.Completion.WaitAsync(Ct));
    }

    [Fact]
    public async Task A_handshake_answered_without_101_fails_with_BadServerResponse_and_keeps_the_response()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/plain"));
        var receive = task.ReceiveAsync(Ct).AsTask();
        task.Resume();
        var error = await recorder.Completion.WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.BadServerResponse, error!.Code);
        Assert.Contains("not 101", error.Message, StringComparison.Ordinal);
        Assert.Equal(200, ((HttpUrlResponse)task.Response!).StatusCode);
        Assert.Same(error, await Assert.ThrowsAsync<UrlError>(() => receive));
        Assert.Equal(["complete BadServerResponse"], recorder.Events);
    }

    [Fact]
    public async Task A_connection_reset_without_a_close_frame_ends_with_NetworkConnectionLost()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/reset"));
        task.Resume();
        Assert.Equal("bye", (await task.ReceiveAsync(Ct)).Text);
        await task.SendAsync(new UrlSessionWebSocketMessage("reset now"), Ct);
        var error = await Assert.ThrowsAsync<UrlError>(() => task.ReceiveAsync(Ct).AsTask());
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, error.Code);
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, (await recorder.Completion.WaitAsync(Ct))!.Code);
        Assert.Equal(UrlSessionWebSocketCloseCode.AbnormalClosure, task.CloseCode);
        Assert.Equal(["open (none)", "complete NetworkConnectionLost"], recorder.Events);
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, (await Assert.ThrowsAsync<UrlError>(() => task.SendAsync(new UrlSessionWebSocketMessage("late"), Ct))).Code);
    }

    [Fact]
    public async Task A_server_close_reports_its_code_and_reason_and_the_task_completes_without_an_error()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/close?code=4001&reason=done"));
        task.Resume();
        var error = await Assert.ThrowsAsync<UrlError>(() => task.ReceiveAsync(Ct).AsTask());
        Assert.Equal(UrlErrorCode.NetworkConnectionLost, error.Code);
        Assert.Contains("4001", error.Message, StringComparison.Ordinal);
        Assert.Null(await recorder.Completion.WaitAsync(Ct));
        Assert.Equal((UrlSessionWebSocketCloseCode)4001, task.CloseCode);
        Assert.Equal("done", Encoding.UTF8.GetString(task.CloseReason.Span));
        Assert.Equal(["open (none)", "close 4001 done", "complete ok"], recorder.Events);
        Assert.Equal(UrlSessionTaskState.Completed, task.State);
    }

    [Fact]
    public async Task Cancel_with_a_code_and_reason_sends_them_after_the_queued_messages_and_completes_without_an_error()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(Tagged(server.Url("/ws/echo"), "cancel-code"));
        task.Resume();
        await recorder.Opened.WaitAsync(Ct);
        var sent = task.SendAsync(new UrlSessionWebSocketMessage("last words"), Ct);
        task.Cancel(UrlSessionWebSocketCloseCode.GoingAway, "moving on"u8.ToArray());
        Assert.Equal(UrlSessionTaskState.Canceling, task.State);
        await sent.WaitAsync(Ct);
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "moving on"), await server.CloseOf("cancel-code").Task.WaitAsync(Ct));
        Assert.Null(await recorder.Completion.WaitAsync(Ct));
        Assert.Equal(UrlSessionWebSocketCloseCode.GoingAway, task.CloseCode);
        Assert.Equal(UrlSessionTaskState.Completed, task.State);
        Assert.Equal(UrlErrorCode.Cancelled, (await Assert.ThrowsAsync<UrlError>(() => task.ReceiveAsync(Ct).AsTask())).Code);
        Assert.Equal(["open (none)", "close 1001 moving on", "complete ok"], recorder.Events);
    }

    [Fact]
    public async Task A_message_over_the_default_MaximumMessageSize_fails_the_receive_and_closes_with_1009()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var plain = new UrlSession(UrlSessionConfiguration.Ephemeral);
        using var ownedPlain = plain.AsDisposable();
        var fits = plain.WebSocketTask(server.Url($"/ws/big?size={UrlSessionWebSocketTask.DefaultMaximumMessageSize}"));
        fits.Resume();
        Assert.Equal(1024 * 1024, (await fits.ReceiveAsync(Ct)).Data.Length);
        fits.Cancel(UrlSessionWebSocketCloseCode.NormalClosure);

        var tooBig = session.WebSocketTask(Tagged(server.Url($"/ws/big?size={UrlSessionWebSocketTask.DefaultMaximumMessageSize + 1}"), "too-big"));
        Assert.Equal(1024 * 1024, tooBig.MaximumMessageSize);
        tooBig.Resume();
        var error = await Assert.ThrowsAsync<UrlError>(() => tooBig.ReceiveAsync(Ct).AsTask());
        Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, error.Code);
        Assert.Contains("MaximumMessageSize", error.Message, StringComparison.Ordinal);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await server.CloseOf("too-big").Task.WaitAsync(Ct)).Status);
        Assert.Equal(UrlSessionWebSocketCloseCode.MessageTooBig, tooBig.CloseCode);
        Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, (await recorder.Completion.WaitAsync(Ct))!.Code);
    }

    [Fact]
    public async Task A_smaller_MaximumMessageSize_refuses_what_the_default_would_take()
    {
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/big?size=2000"));
        task.MaximumMessageSize = 1000;
        Assert.Throws<ArgumentOutOfRangeException>(() => task.MaximumMessageSize = 0);
        task.Resume();
        Assert.Equal(UrlErrorCode.DataLengthExceedsMaximum, (await Assert.ThrowsAsync<UrlError>(() => task.ReceiveAsync(Ct).AsTask())).Code);
    }

    [Fact]
    public async Task A_ping_completes_when_the_pong_arrives_in_both_forms()
    {
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/echo"));
        task.Resume();
        await task.SendPingAsync(Ct).WaitAsync(Ct);
        var pong = new TaskCompletionSource<UrlError?>(TaskCreationOptions.RunContinuationsAsynchronously);
        task.SendPing(pong.SetResult);
        Assert.Null(await pong.Task.WaitAsync(Ct));
        task.Cancel(UrlSessionWebSocketCloseCode.NormalClosure);
    }

    [Fact]
    public async Task Completion_handler_forms_send_and_receive_on_the_delegate_queue()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/echo"));
        var sent = new TaskCompletionSource<UrlError?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<(UrlSessionWebSocketMessage?, UrlError?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        task.Send(new UrlSessionWebSocketMessage("handler"), sent.SetResult);
        task.Receive((message, error) => received.SetResult((message, error)));
        task.Resume();
        Assert.Null(await sent.Task.WaitAsync(Ct));
        var (message, error) = await received.Task.WaitAsync(Ct);
        Assert.Null(error);
        Assert.Equal("handler", message!.Text);
        task.Cancel(UrlSessionWebSocketCloseCode.NormalClosure);
        Assert.Null(await recorder.Completion.WaitAsync(Ct));
    }

    [Fact]
    public async Task Cancel_before_resume_completes_once_with_Cancelled_and_fails_what_was_queued()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/echo"));
        var send = task.SendAsync(new UrlSessionWebSocketMessage("never"), Ct);
        task.Cancel(UrlSessionWebSocketCloseCode.NormalClosure);
        Assert.Equal(UrlErrorCode.Cancelled, (await recorder.Completion.WaitAsync(Ct))!.Code);
        Assert.Equal(UrlErrorCode.Cancelled, (await Assert.ThrowsAsync<UrlError>(() => send)).Code);
        task.Resume();
        task.Cancel();
        Assert.Equal(UrlSessionTaskState.Completed, task.State);
        Assert.Equal(["complete Cancelled"], recorder.Events);
    }

    [Fact]
    public async Task Cancel_on_an_open_connection_ends_it_at_once_with_Cancelled()
    {
        var recorder = new WebSocketRecorder();
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        var task = session.WebSocketTask(server.Url("/ws/echo"));
        task.Resume();
        await recorder.Opened.WaitAsync(Ct);
        var receive = task.ReceiveAsync(Ct).AsTask();
        task.Cancel();
        Assert.Equal(UrlErrorCode.Cancelled, (await recorder.Completion.WaitAsync(Ct))!.Code);
        Assert.Equal(UrlErrorCode.Cancelled, (await Assert.ThrowsAsync<UrlError>(() => receive)).Code);
        Assert.Equal(["open (none)", "complete Cancelled"], recorder.Events);
    }

    [Fact]
    public async Task Arguments_that_cannot_make_a_handshake_or_a_close_frame_are_refused()
    {
        var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        // A WebSocket stays open until closed: a failed assertion must not leave the test waiting for it.
        using var owned = session.AsDisposable();
        Assert.Throws<ArgumentException>(() => session.WebSocketTask(new UrlRequest(server.Url("/ws/echo")) { HttpMethod = "POST" }));
        Assert.Throws<ArgumentException>(() => session.WebSocketTask(server.Url("/ws/echo"), ["two words"]));
        var task = session.WebSocketTask(server.Url("/ws/echo"));
        Assert.Throws<ArgumentOutOfRangeException>(() => task.Cancel(UrlSessionWebSocketCloseCode.AbnormalClosure));
        Assert.Throws<ArgumentException>(() => task.Cancel(UrlSessionWebSocketCloseCode.NormalClosure, new byte[124]));
        task.Cancel();
    }
}

using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using UrlLoading.Transfer;
using UrlLoading.WebSockets;

namespace UrlLoading;

/// <summary>
/// A WebSocket connection (Apple's <c>URLSessionWebSocketTask</c>, RFC 6455). Created suspended: <see cref="UrlSessionTask.Resume"/>
/// sends the opening handshake through the session, with its cookies, credentials and challenges, proxy, TLS trust and
/// additional headers. Messages may be sent and received as soon as the task exists; they wait for the connection to
/// open. The task completes once, when the connection ends: without an error after a closing handshake (either side's),
/// with <see cref="UrlErrorCode.Cancelled"/> after <see cref="UrlSessionTask.Cancel()"/>, and with
/// <see cref="UrlErrorCode.NetworkConnectionLost"/> when the connection drops without one.
/// </summary>
/// <remarks>
/// <see cref="UrlSessionConfiguration.TimeoutIntervalForRequest"/> bounds the handshake and the wait for the server's
/// answer to this side's close frame, not a quiet open connection; <see cref="UrlSessionConfiguration.TimeoutIntervalForResource"/>
/// bounds the whole connection, as it bounds any task.
/// </remarks>
public sealed class UrlSessionWebSocketTask : UrlSessionTask
{
    /// <summary>Apple's default <see cref="MaximumMessageSize"/>: 1 MiB.</summary>
    public const int DefaultMaximumMessageSize = 1024 * 1024;

    // WaitAsync and CancelAfter take at most about 49 days; a day is plenty for a close frame's answer.
    private static readonly TimeSpan s_longestCloseGrace = TimeSpan.FromDays(1);
    private readonly WebSocketConnection _connection;
    private volatile bool _open;

    internal UrlSessionWebSocketTask(UrlSession session, int identifier, UrlRequest request)
        : base(session, identifier, request)
    {
        _connection = new WebSocketConnection(request.Url, this);
    }

    /// <summary>
    /// The largest message <see cref="ReceiveAsync"/> accepts, in bytes; 1 MiB by default. A bigger message is not
    /// read: the receive fails with <see cref="UrlErrorCode.DataLengthExceedsMaximum"/>, the connection closes with
    /// <see cref="UrlSessionWebSocketCloseCode.MessageTooBig"/> (1009) and the task completes with the same error.
    /// </summary>
    public int MaximumMessageSize
    {
        get => _connection.MaximumMessageSize;
        set => _connection.MaximumMessageSize = value > 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaximumMessageSize), value, $"{nameof(MaximumMessageSize)} must be at least 1 byte; the default is {DefaultMaximumMessageSize:N0}.");
    }

    /// <summary>
    /// How the connection closed: the code of this side's close frame when it closed first (<see cref="Cancel(UrlSessionWebSocketCloseCode, ReadOnlyMemory{byte})"/>,
    /// or <see cref="UrlSessionWebSocketCloseCode.MessageTooBig"/> and <see cref="UrlSessionWebSocketCloseCode.ProtocolError"/>
    /// for a server at fault), else the server's; <see cref="UrlSessionWebSocketCloseCode.AbnormalClosure"/> when the
    /// connection ended without a close frame; <see cref="UrlSessionWebSocketCloseCode.Invalid"/> while it is open.
    /// </summary>
    public UrlSessionWebSocketCloseCode CloseCode => _connection.CloseCode;

    /// <summary>The reason (UTF-8 text, usually) that came with <see cref="CloseCode"/>; empty when there was none.</summary>
    public ReadOnlyMemory<byte> CloseReason => _connection.CloseReason;

    private protected override bool DeliversToDelegate => true;

    /// <summary>Sends a message. Messages go out in the order they were sent; the task completes once this one is written.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to go out; one being written completes.</param>
    /// <returns>A task that completes when the message is written.</returns>
    /// <exception cref="UrlError">The connection failed or closed before the message went out.</exception>
    public Task SendAsync(UrlSessionWebSocketMessage message, CancellationToken cancellationToken = default) =>
        _connection.SendAsync(message, cancellationToken);

    /// <summary>Sends a message and calls <paramref name="completionHandler"/> on the delegate queue once it is written (null) or has failed.</summary>
    /// <param name="message">The message.</param>
    /// <param name="completionHandler">Called once, with null or the error.</param>
    public void Send(UrlSessionWebSocketMessage message, Action<UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        _ = CompleteOnDelegateQueueAsync(_connection.SendAsync(message, default), completionHandler);
    }

    /// <summary>
    /// Receives the next whole message. Once the connection has ended and every message that arrived was received, it
    /// throws the task's error, or after a closing handshake <see cref="UrlErrorCode.Cancelled"/> (this side closed) or
    /// <see cref="UrlErrorCode.NetworkConnectionLost"/> (the server closed; see <see cref="CloseCode"/>).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; no message is lost.</param>
    /// <returns>The message.</returns>
    /// <exception cref="UrlError">The connection ended, or the message is larger than <see cref="MaximumMessageSize"/>.</exception>
    public ValueTask<UrlSessionWebSocketMessage> ReceiveAsync(CancellationToken cancellationToken = default) =>
        _connection.ReceiveAsync(cancellationToken);

    /// <summary>Receives the next whole message and hands it (or the error) to <paramref name="completionHandler"/> on the delegate queue.</summary>
    /// <param name="completionHandler">Called once, with the message and null, or null and the error.</param>
    public void Receive(Action<UrlSessionWebSocketMessage?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        _ = ReceiveOnDelegateQueueAsync(completionHandler);
    }

    /// <summary>Sends a ping; the task completes when the server's pong arrives (Apple's <c>sendPing(pongReceiveHandler:)</c>).</summary>
    /// <param name="cancellationToken">Stops waiting for the pong.</param>
    /// <returns>A task that completes on the pong.</returns>
    /// <exception cref="UrlError">The connection ended before the pong.</exception>
    public Task SendPingAsync(CancellationToken cancellationToken = default) => _connection.SendPingAsync(cancellationToken);

    /// <summary>Sends a ping and calls <paramref name="pongReceiveHandler"/> on the delegate queue when the pong arrives (null) or the connection ends first.</summary>
    /// <param name="pongReceiveHandler">Called once, with null or the error.</param>
    public void SendPing(Action<UrlError?> pongReceiveHandler)
    {
        ArgumentNullException.ThrowIfNull(pongReceiveHandler);
        _ = CompleteOnDelegateQueueAsync(_connection.SendPingAsync(default), pongReceiveHandler);
    }

    /// <summary>
    /// Closes the connection with a close frame (Apple's <c>cancel(with:reason:)</c>): messages already sent go out
    /// first, the server's answer is awaited (at most the request timeout), then <c>DidCloseWith</c> reports the
    /// server's close frame and the task completes without an error. Before the connection is open this is
    /// <see cref="UrlSessionTask.Cancel()"/>.
    /// </summary>
    /// <param name="closeCode">The code to send: 1000-1003, 1007-1014 or an application code from 3000 to 4999.</param>
    /// <param name="reason">At most 123 bytes, usually UTF-8 text; empty for none.</param>
    public void Cancel(UrlSessionWebSocketCloseCode closeCode, ReadOnlyMemory<byte> reason = default)
    {
        if (!MaySend(closeCode))
            throw new ArgumentOutOfRangeException(nameof(closeCode), closeCode,
                "Send NormalClosure, GoingAway or another code from 1000-1003 and 1007-1014, or an application code from 3000 to 4999; 1005, 1006 and 1015 only describe a close and are never sent.");
        if (reason.Length > 123)
            throw new ArgumentException($"A close reason is at most 123 bytes (a close frame carries 125, two of them the code); this one is {reason.Length}.", nameof(reason));
        if (!_open)
            Cancel();
        else if (TryMarkCanceling())
            _connection.RequestClose(closeCode, reason);
    }

    private static bool MaySend(UrlSessionWebSocketCloseCode code) =>
        (int)code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    private protected override async Task TransferAsync(TransferClock clock, MetricsRecorder metrics)
    {
        Exchange? exchange = null;
        try
        {
            string[] offered = WebSocketHandshake.OfferedProtocols(CurrentRequest);
            CurrentRequest = WebSocketHandshake.WithUpgrade(CurrentRequest, out string key);
            exchange = await Session.Engine.SendAsync(this, clock, metrics).ConfigureAwait(false);
            string? protocol = WebSocketHandshake.Accept(exchange.Response, key, offered);
            // The body of a 101 is the upgraded connection itself.
            var stream = await exchange.Message.Content.ReadAsStreamAsync(clock.Token).ConfigureAwait(false);
            // A WebSocket may stay quiet for as long as both sides like: the idle timer stops here.
            clock.Pause();
            _open = true;
            if (Session.Answers(UrlSessionCallbacks.DidOpenWithProtocol) && Session.Delegate is { } opened)
                await Session.DelegateQueue.InvokeAsync(static s => s.Delegate.DidOpenWithProtocol(s.Session, s.Task, s.Protocol),
                    (Delegate: opened, Session, Task: this, Protocol: protocol)).ConfigureAwait(false);
            await _connection.RunAsync(stream, CloseGrace(), clock.Token).ConfigureAwait(false);
            if (_connection.ServerClose is var (code, reason) && Session.Answers(UrlSessionCallbacks.DidCloseWith) && Session.Delegate is { } closed)
                await Session.DelegateQueue.InvokeAsync(static s => s.Delegate.DidCloseWith(s.Session, s.Task, s.Code, s.Reason),
                    (Delegate: closed, Session, Task: this, Code: code, Reason: reason)).ConfigureAwait(false);
            _connection.End(_connection.ServerClosedFirst
                ? new UrlError(UrlErrorCode.NetworkConnectionLost, CurrentRequest.Url, $"The server closed the WebSocket connection ({CloseCode}, {(int)CloseCode}).")
                : new UrlError(UrlErrorCode.Cancelled, CurrentRequest.Url, $"This side closed the WebSocket connection ({CloseCode}, {(int)CloseCode})."));
        }
        catch (Exception e)
        {
            var error = ErrorMapping.ToUrlError(e, CurrentRequest.Url, clock, IsCancelled);
            _connection.End(error);
            throw error;
        }
        finally
        {
            if (exchange is not null)
            {
                exchange.BodyBytes = CountOfBytesReceived;
                exchange.Complete(metrics);
                exchange.Dispose();
            }
        }
    }

    private protected override ValueTask DeliverCompletionAsync(UrlError? error)
    {
        // A task cancelled before it ran never reached the connection: what was queued for it fails here.
        _connection.End(error ?? new UrlError(UrlErrorCode.Cancelled, CurrentRequest.Url));
        return Session.DidCompleteWithErrorAsync(this, error);
    }

    private TimeSpan CloseGrace()
    {
        var timeout = CurrentRequest.TimeoutInterval ?? Session.ConfigurationSnapshot.TimeoutIntervalForRequest;
        return timeout < s_longestCloseGrace ? timeout : s_longestCloseGrace;
    }

    private async Task CompleteOnDelegateQueueAsync(Task operation, Action<UrlError?> handler)
    {
        UrlError? error = null;
        try
        {
            await operation.ConfigureAwait(false);
        }
        catch (UrlError e)
        {
            error = e;
        }
        await InvokeHandlerAsync(static s => s.Handler(s.Error), (Handler: handler, Error: error)).ConfigureAwait(false);
    }

    private async Task ReceiveOnDelegateQueueAsync(Action<UrlSessionWebSocketMessage?, UrlError?> handler)
    {
        (UrlSessionWebSocketMessage? Message, UrlError? Error) result;
        try
        {
            result = (await _connection.ReceiveAsync(default).ConfigureAwait(false), null);
        }
        catch (UrlError e)
        {
            result = (null, e);
        }
        await InvokeHandlerAsync(static s => s.Handler(s.Message, s.Error), (Handler: handler, result.Message, result.Error)).ConfigureAwait(false);
    }

    /// <summary>Runs a completion handler on the delegate queue; one that throws is an unhandled exception, never swallowed.</summary>
    private async Task InvokeHandlerAsync<TState>(Action<TState> handler, TState state)
    {
        try
        {
            await Session.DelegateQueue.InvokeAsync(static s =>
            {
                s.Handler(s.State);
                return default;
            }, (Handler: handler, State: state)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static e => ExceptionDispatchInfo.Throw(e), e, preferLocal: false);
        }
    }
}

using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace UrlLoading.WebSockets;

/// <summary>
/// The client side of RFC 6455 framing over an upgraded connection: one writer loop that sends queued frames in the
/// order they were asked for, and one reader loop that answers pings, matches pongs, and hands whole messages to
/// receivers. Sends, receives and pings may be queued before the connection opens.
/// </summary>
/// <remarks>
/// Built here rather than on <c>ClientWebSocket</c>: that one can neither send a ping nor report its pong, and it
/// buffers a message before its size is known, where Apple's <c>maximumMessageSize</c> must refuse it unread.
/// </remarks>
internal sealed class WebSocketConnection
{
    private const byte Continuation = 0x0, TextFrame = 0x1, BinaryFrame = 0x2, CloseFrame = 0x8, PingFrame = 0x9, PongFrame = 0xA;
    private const int ChunkSize = 64 * 1024;
    private const int MaximumHeaderSize = 14;
    private const int ReceiveQueueLength = 16;
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Uri _url;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<UrlSessionWebSocketMessage> _incoming =
        Channel.CreateBounded<UrlSessionWebSocketMessage>(new BoundedChannelOptions(ReceiveQueueLength) { SingleWriter = true });
    private readonly List<(long Sequence, TaskCompletionSource Pong)> _pings = [];
    private readonly TaskCompletionSource _closeWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _mask = new byte[4];
    private long _pingSequence;
    private int _closeRequested;
    private UrlError? _endError;
    private Exception? _writeFailure;
    private CancellationTokenSource? _loops;
    private TimeSpan _closeGrace;

    public WebSocketConnection(Uri url, UrlSessionTask? owner = null)
    {
        _url = url;
        Owner = owner;
    }

    /// <summary>The task whose byte counters the connection updates.</summary>
    public UrlSessionTask? Owner { get; }

    public int MaximumMessageSize { get; set; } = UrlSessionWebSocketTask.DefaultMaximumMessageSize;

    /// <summary>The close code of this side's close frame if it closed first, else the server's; see the task's <c>CloseCode</c>.</summary>
    public UrlSessionWebSocketCloseCode CloseCode { get; private set; }

    public ReadOnlyMemory<byte> CloseReason { get; private set; }

    /// <summary>The server's close frame, once received: what <c>DidCloseWith</c> reports.</summary>
    public (UrlSessionWebSocketCloseCode Code, ReadOnlyMemory<byte> Reason)? ServerClose { get; private set; }

    /// <summary>True when the server's close frame came before this side's.</summary>
    public bool ServerClosedFirst { get; private set; }

    /// <summary>True once this side has asked to close (the task's <c>Cancel(closeCode, reason)</c>, or a protocol failure).</summary>
    public bool CloseRequested => Volatile.Read(ref _closeRequested) != 0;

    public Task SendAsync(UrlSessionWebSocketMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(message.Text is { } text
            ? new Outgoing(TextFrame, text, default, done, cancellationToken)
            : new Outgoing(BinaryFrame, null, message.Data, done, cancellationToken));
        return done.Task;
    }

    /// <summary>Sends a ping; the task completes when its pong (or a later one) arrives.</summary>
    public Task SendPingAsync(CancellationToken cancellationToken)
    {
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var payload = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, Interlocked.Increment(ref _pingSequence));
        Enqueue(new Outgoing(PingFrame, null, payload, pong, cancellationToken));
        return cancellationToken.CanBeCanceled ? pong.Task.WaitAsync(cancellationToken) : pong.Task;
    }

    public async ValueTask<UrlSessionWebSocketMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _incoming.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw Volatile.Read(ref _endError)!;
        }
    }

    /// <summary>Queues this side's close frame; false when one was already queued.</summary>
    public bool RequestClose(UrlSessionWebSocketCloseCode code, ReadOnlyMemory<byte> reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
            return false;
        if (CloseCode == UrlSessionWebSocketCloseCode.Invalid)
            (CloseCode, CloseReason) = (code, reason);
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        reason.CopyTo(payload.AsMemory(2));
        Enqueue(new Outgoing(CloseFrame, null, payload, null, default));
        return true;
    }

    /// <summary>
    /// Runs the connection until the closing handshake ends (returns) or it fails (throws). After this side's close
    /// frame the server has <paramref name="closeGrace"/> to answer; a silent server ends the connection then.
    /// </summary>
    public async Task RunAsync(Stream stream, TimeSpan closeGrace, CancellationToken cancellationToken)
    {
        using var loops = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Cancelling a read on the raw connection is not guaranteed to interrupt it; closing the stream is.
        using var registration = loops.Token.UnsafeRegister(static s => ((Stream)s!).Dispose(), stream);
        _closeGrace = closeGrace;
        Volatile.Write(ref _loops, loops);
        var writer = WriteLoopAsync(stream, loops);
        try
        {
            await ReadLoopAsync(stream, loops.Token).ConfigureAwait(false);
            await WaitForCloseWrittenAsync().ConfigureAwait(false);
        }
        catch (ProtocolFailure failure)
        {
            CloseCode = failure.Code;
            RequestClose(failure.Code, default);
            await WaitForCloseWrittenAsync().ConfigureAwait(false);
            throw failure.Error;
        }
        catch (Exception) when (_writeFailure is { } writeFailure)
        {
            MarkAbnormal();
            throw writeFailure;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested && CloseRequested && loops.IsCancellationRequested)
        {
            // This side closed and the server did not answer within the grace period: the connection is closed anyway.
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            // Closing the stream to interrupt a read surfaces as an I/O error; the cause is the cancellation.
            MarkAbnormal();
            throw new OperationCanceledException("The WebSocket connection was cancelled.", e, cancellationToken);
        }
        catch
        {
            MarkAbnormal();
            throw;
        }
        finally
        {
            loops.Cancel();
            await writer.ConfigureAwait(false);
            Volatile.Write(ref _loops, null);
        }
    }

    private void MarkAbnormal()
    {
        if (CloseCode == UrlSessionWebSocketCloseCode.Invalid)
            CloseCode = UrlSessionWebSocketCloseCode.AbnormalClosure;
    }

    /// <summary>Fails every pending and later send, receive and ping with <paramref name="error"/>. Queued messages stay receivable.</summary>
    public void End(UrlError error)
    {
        if (Interlocked.CompareExchange(ref _endError, error, null) is not null)
            return;
        _outgoing.Writer.TryComplete();
        while (_outgoing.Reader.TryRead(out var frame))
            frame.Done?.TrySetException(error);
        _incoming.Writer.TryComplete(error);
        lock (_pings)
        {
            foreach (var (_, pong) in _pings)
                pong.TrySetException(error);
            _pings.Clear();
        }
    }

    private void Enqueue(Outgoing frame)
    {
        if (!_outgoing.Writer.TryWrite(frame))
            frame.Done?.TrySetException(Volatile.Read(ref _endError)!);
    }

    private async Task WaitForCloseWrittenAsync()
    {
        try
        {
            await _closeWritten.Task.WaitAsync(_closeGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The server stopped reading: the connection ends without this side's close frame.
        }
    }

    private async Task WriteLoopAsync(Stream stream, CancellationTokenSource loops)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaximumHeaderSize + ChunkSize);
        try
        {
            var reader = _outgoing.Reader;
            while (await reader.WaitToReadAsync(loops.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    if (frame.Cancellation.IsCancellationRequested)
                    {
                        frame.Done?.TrySetCanceled(frame.Cancellation);
                        continue;
                    }
                    if (frame.Opcode == PingFrame)
                    {
                        lock (_pings)
                            _pings.Add((BinaryPrimitives.ReadInt64BigEndian(frame.Payload.Span), frame.Done!));
                    }
                    await WriteFrameAsync(stream, frame, buffer, loops.Token).ConfigureAwait(false);
                    if (frame.Opcode is TextFrame or BinaryFrame)
                        frame.Done!.TrySetResult();
                    if (frame.Opcode == CloseFrame)
                    {
                        _closeWritten.TrySetResult();
                        loops.CancelAfter(_closeGrace);
                        return;
                    }
                }
                await stream.FlushAsync(loops.Token).ConfigureAwait(false);
            }
        }
        catch (Exception) when (loops.IsCancellationRequested)
        {
            // The connection is ending (its stream is closed); what is still queued is failed by End.
        }
        catch (Exception e)
        {
            _writeFailure = e;
            loops.Cancel();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask WriteFrameAsync(Stream stream, Outgoing frame, byte[] buffer, CancellationToken cancellationToken)
    {
        byte[]? encoded = null;
        try
        {
            var payload = frame.Payload;
            if (frame.Text is { } text)
            {
                encoded = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
                payload = encoded.AsMemory(0, Encoding.UTF8.GetBytes(text, encoded));
            }
            int position = WriteHeader(buffer, frame.Opcode, payload.Length);
            RandomNumberGenerator.Fill(_mask);
            _mask.CopyTo(buffer, position);
            position += 4;
            int offset = 0;
            do
            {
                int count = Math.Min(payload.Length - offset, buffer.Length - position);
                Mask(payload.Span.Slice(offset, count), buffer.AsSpan(position, count), offset);
                await stream.WriteAsync(buffer.AsMemory(0, position + count), cancellationToken).ConfigureAwait(false);
                offset += count;
                position = 0;
            }
            while (offset < payload.Length);
            if (frame.Opcode is TextFrame or BinaryFrame)
                Owner?.AddBytesSent(payload.Length);
        }
        finally
        {
            if (encoded is not null)
                ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    private static int WriteHeader(byte[] buffer, byte opcode, int length)
    {
        buffer[0] = (byte)(0x80 | opcode);
        if (length < 126)
        {
            buffer[1] = (byte)(0x80 | length);
            return 2;
        }
        if (length <= ushort.MaxValue)
        {
            buffer[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)length);
            return 4;
        }
        buffer[1] = 0x80 | 127;
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(2), (ulong)length);
        return 10;
    }

    private void Mask(ReadOnlySpan<byte> source, Span<byte> destination, int offset)
    {
        for (int i = 0; i < source.Length; i++)
            destination[i] = (byte)(source[i] ^ _mask[(offset + i) & 3]);
    }

    private async Task ReadLoopAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] header = new byte[MaximumHeaderSize];
        byte[] control = new byte[125];
        byte messageOpcode = 0;
        ArrayBufferWriter<byte>? fragments = null;
        while (true)
        {
            await ReadExactlyAsync(stream, header.AsMemory(0, 2), cancellationToken).ConfigureAwait(false);
            bool fin = (header[0] & 0x80) != 0;
            byte opcode = (byte)(header[0] & 0x0F);
            if ((header[0] & 0x70) != 0)
                throw Violation(UrlSessionWebSocketCloseCode.ProtocolError, "The server set reserved bits that no extension negotiated.");
            if ((header[1] & 0x80) != 0)
                throw Violation(UrlSessionWebSocketCloseCode.ProtocolError, "The server masked a frame; server frames must not be masked.");
            long length = header[1] & 0x7F;
            if (length == 126)
            {
                await ReadExactlyAsync(stream, header.AsMemory(2, 2), cancellationToken).ConfigureAwait(false);
                length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
            }
            else if (length == 127)
            {
                await ReadExactlyAsync(stream, header.AsMemory(2, 8), cancellationToken).ConfigureAwait(false);
                length = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(2));
                if (length < 0)
                    throw Violation(UrlSessionWebSocketCloseCode.ProtocolError, "The server sent a frame length with the most significant bit set.");
            }

            if (opcode >= CloseFrame)
            {
                if (!fin || length > control.Length)
                    throw Violation(UrlSessionWebSocketCloseCode.ProtocolError, "The server sent a fragmented or oversized control frame.");
                var payload = control.AsMemory(0, (int)length);
                await ReadExactlyAsync(stream, payload, cancellationToken).ConfigureAwait(false);
                if (opcode == CloseFrame)
                {
                    ReceiveClose(payload.Span);
                    return;
                }
                if (opcode == PingFrame && !CloseRequested)
                    Enqueue(new Outgoing(PongFrame, null, payload.ToArray(), null, default));
                else if (opcode == PongFrame)
                    ReceivePong(payload.Span);
                else if (opcode != PingFrame)
                    throw Violation(UrlSessionWebSocketCloseCode.ProtocolError, $"The server sent an unknown control opcode {opcode}.");
                continue;
            }

            if (opcode is TextFrame or BinaryFrame)
            {
                if (messageOpcode != 0)
                    throw Violation(UrlSessionWebSocketCloseCode.ProtocolError, "The server began a new message inside a fragmented one.");
                messageOpcode = opcode;
            }
            else if (opcode != Continuation || messageOpcode == 0)
            {
                throw Violation(UrlSessionWebSocketCloseCode.ProtocolError, $"The server sent an unexpected data opcode {opcode}.");
            }
            long total = (fragments?.WrittenCount ?? 0) + length;
            if (total > MaximumMessageSize)
                throw new ProtocolFailure(UrlSessionWebSocketCloseCode.MessageTooBig, new UrlError(UrlErrorCode.DataLengthExceedsMaximum, _url,
                    $"The server sent a WebSocket message of at least {total:N0} bytes, more than MaximumMessageSize ({MaximumMessageSize:N0} bytes); raise MaximumMessageSize before the message arrives to receive it."));

            byte[] bytes;
            if (fin && fragments is null)
            {
                bytes = new byte[length];
                await ReadExactlyAsync(stream, bytes, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                fragments ??= new ArrayBufferWriter<byte>();
                var target = fragments.GetMemory((int)length)[..(int)length];
                await ReadExactlyAsync(stream, target, cancellationToken).ConfigureAwait(false);
                fragments.Advance((int)length);
                if (!fin)
                    continue;
                bytes = fragments.WrittenSpan.ToArray();
                fragments = null;
            }
            bool text = messageOpcode == TextFrame;
            messageOpcode = 0;
            Owner?.AddBytesReceived(bytes.Length);
            // After this side's close frame, messages still in flight are dropped: nobody is waiting for them.
            if (!CloseRequested)
                await _incoming.Writer.WriteAsync(text ? new UrlSessionWebSocketMessage(DecodeText(bytes)) : new UrlSessionWebSocketMessage(bytes), cancellationToken).ConfigureAwait(false);
        }
    }

    private string DecodeText(byte[] bytes)
    {
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Violation(UrlSessionWebSocketCloseCode.InvalidFramePayloadData, "The server sent a text message that is not valid UTF-8.");
        }
    }

    private void ReceiveClose(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1)
            throw Violation(UrlSessionWebSocketCloseCode.ProtocolError, "The server sent a close frame of one byte.");
        var code = payload.Length >= 2 ? (UrlSessionWebSocketCloseCode)BinaryPrimitives.ReadUInt16BigEndian(payload) : UrlSessionWebSocketCloseCode.NoStatusReceived;
        ReadOnlyMemory<byte> reason = payload.Length > 2 ? payload[2..].ToArray() : ReadOnlyMemory<byte>.Empty;
        ServerClose = (code, reason);
        if (CloseCode == UrlSessionWebSocketCloseCode.Invalid)
            (CloseCode, CloseReason) = (code, reason);
        // The server closed first: answer with its code, as RFC 6455 §5.5.1 asks.
        if (Interlocked.Exchange(ref _closeRequested, 1) == 0)
        {
            ServerClosedFirst = true;
            var echo = new byte[payload.Length >= 2 ? 2 : 0];
            payload[..echo.Length].CopyTo(echo);
            Enqueue(new Outgoing(CloseFrame, null, echo, null, default));
        }
    }

    private void ReceivePong(ReadOnlySpan<byte> payload)
    {
        // A pong answers the ping whose payload it echoes, and every ping before it; an unsolicited pong answers none.
        if (payload.Length != 8)
            return;
        long sequence = BinaryPrimitives.ReadInt64BigEndian(payload);
        lock (_pings)
        {
            for (int i = _pings.Count - 1; i >= 0; i--)
            {
                if (_pings[i].Sequence <= sequence)
                {
                    _pings[i].Pong.TrySetResult();
                    _pings.RemoveAt(i);
                }
            }
        }
    }

    private async ValueTask ReadExactlyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new UrlError(UrlErrorCode.NetworkConnectionLost, _url, "The server ended the connection without a WebSocket close frame.", e);
        }
    }

    private ProtocolFailure Violation(UrlSessionWebSocketCloseCode code, string why) =>
        new(code, new UrlError(UrlErrorCode.BadServerResponse, _url, why));

    /// <summary>A frame to send: a message (text or bytes), a ping (whose <see cref="Done"/> waits for the pong), a pong or a close.</summary>
    private sealed record Outgoing(byte Opcode, string? Text, ReadOnlyMemory<byte> Payload, TaskCompletionSource? Done, CancellationToken Cancellation);

    /// <summary>The server broke the protocol or a limit: the connection closes with <see cref="Code"/> and fails with <see cref="Error"/>.</summary>
    private sealed class ProtocolFailure(UrlSessionWebSocketCloseCode code, UrlError error) : Exception(error.Message, error)
    {
        public UrlSessionWebSocketCloseCode Code { get; } = code;

        public UrlError Error { get; } = error;
    }
}

using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading.Background;

/// <summary>A JSON-RPC 2.0 error: the peer refused or failed a request.</summary>
internal sealed class RpcException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

/// <summary>
/// One JSON-RPC 2.0 peer over a byte stream: one UTF-8 JSON message per line, requests answered in any order,
/// notifications without answers. Lines longer than <see cref="MaximumMessageBytes"/> or not JSON-RPC end the
/// connection (the peer is broken or hostile), never the process.
/// </summary>
/// <remarks>
/// What this end sends on its own (notifications, its requests) is flow-controlled: the caller awaits the write, so a
/// peer that reads slowly slows the sender down. Answers to the peer's requests are not: the read loop goes on while
/// they wait to be written, so a peer that sends requests and never reads would make them pile up without end. At
/// most <see cref="MaximumUnansweredRequests"/> requests (and <see cref="MaximumUnsentAnswerBytes"/> of answers) may
/// wait; past that the connection is closed, and <see cref="ProtocolError"/> says why. This end's own requests are
/// flow-controlled too: at most <see cref="MaximumRequestsInFlight"/> wait for their answers at once (an app that
/// resumes 10,000 tasks pipelines them in steps), since the daemon answers a write only after its group committed.
/// </remarks>
internal sealed class RpcConnection : IAsyncDisposable
{
    public const int MaximumMessageBytes = 1 << 20;

    /// <summary>
    /// The most requests of the peer that may wait for their answers. A client that reads its answers and keeps to
    /// <see cref="MaximumRequestsInFlight"/> never comes near it; each waiting one costs about 2 KB.
    /// </summary>
    public const int MaximumUnansweredRequests = 4096;

    /// <summary>The most requests this end has waiting for their answers at once; well under the peer's <see cref="MaximumUnansweredRequests"/>.</summary>
    public const int MaximumRequestsInFlight = 1024;

    /// <summary>The most bytes of answers that may wait to be written to a peer that does not read them.</summary>
    public const long MaximumUnsentAnswerBytes = 4 << 20;

    private readonly Stream _stream;
    private readonly Func<string, JsonElement, ValueTask<string?>>? _onRequest;
    private readonly Func<string, JsonElement, ValueTask>? _onNotification;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _requestSlots = new(MaximumRequestsInFlight, MaximumRequestsInFlight);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _closed = new();
    private long _nextId;
    private int _unansweredRequests;
    private long _unsentAnswerBytes;

    /// <param name="stream">The connected stream; owned by this object.</param>
    /// <param name="onRequest">Answers a request with the result's JSON (null for JSON null), or throws <see cref="RpcException"/>.</param>
    /// <param name="onNotification">Handles a notification; runs on the read loop, so it must not wait for this peer.</param>
    public RpcConnection(Stream stream, Func<string, JsonElement, ValueTask<string?>>? onRequest, Func<string, JsonElement, ValueTask>? onNotification)
    {
        _stream = stream;
        _onRequest = onRequest;
        _onNotification = onNotification;
    }

    /// <summary>Why the read loop ended, when it ended on bad input.</summary>
    public string? ProtocolError { get; private set; }

    /// <summary>Reads messages until the peer closes the stream or sends something that is not JSON-RPC.</summary>
    public async Task RunAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        int filled = 0;
        try
        {
            while (!_closed.IsCancellationRequested)
            {
                int newline = Array.IndexOf(buffer, (byte)'\n', 0, filled);
                if (newline < 0)
                {
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= MaximumMessageBytes)
                        {
                            ProtocolError = $"a message longer than {MaximumMessageBytes} bytes";
                            return;
                        }
                        byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    int read = await _stream.ReadAsync(buffer.AsMemory(filled), _closed.Token).ConfigureAwait(false);
                    if (read == 0)
                        return;
                    filled += read;
                    continue;
                }
                if (newline > 0 && !await DispatchAsync(buffer.AsMemory(0, newline)).ConfigureAwait(false))
                    return;
                filled -= newline + 1;
                buffer.AsSpan(newline + 1, filled).CopyTo(buffer);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await _closed.CancelAsync().ConfigureAwait(false);
            foreach (var pending in _pending.Values)
                pending.TrySetException(new IOException("The connection closed before the answer came."));
        }
    }

    /// <summary>Sends a request (once fewer than <see cref="MaximumRequestsInFlight"/> wait) and waits for its answer.</summary>
    public async Task<TResult> InvokeAsync<TParams, TResult>(string method, TParams parameters, JsonTypeInfo<TParams> paramsInfo, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken = default)
    {
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token))
        {
            try
            {
                await _requestSlots.WaitAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException("The connection closed before the request was sent.");
            }
        }
        long id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            await WriteAsync(writer =>
            {
                writer.WriteNumber("id", id);
                writer.WriteString("method", method);
                writer.WritePropertyName("params");
                JsonSerializer.Serialize(writer, parameters, paramsInfo);
            }).ConfigureAwait(false);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
            var result = await answer.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            return result.Deserialize(resultInfo) ?? throw new RpcException(BackgroundProtocol.InvalidRequest, $"'{method}' returned null.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException("The connection closed before the answer came.");
        }
        finally
        {
            _pending.TryRemove(id, out _);
            _requestSlots.Release();
        }
    }

    /// <summary>Sends a notification (no answer).</summary>
    public Task NotifyAsync<TParams>(string method, TParams parameters, JsonTypeInfo<TParams> paramsInfo) =>
        WriteAsync(writer =>
        {
            writer.WriteString("method", method);
            writer.WritePropertyName("params");
            JsonSerializer.Serialize(writer, parameters, paramsInfo);
        });

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<bool> DispatchAsync(ReadOnlyMemory<byte> line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            ProtocolError = $"a message that is not JSON ({e.Message})";
            return false;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
            {
                ProtocolError = "a message that is not JSON-RPC 2.0";
                return false;
            }
            bool hasId = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number;
            if (root.TryGetProperty("method", out var methodElement) && methodElement.ValueKind == JsonValueKind.String)
            {
                string method = methodElement.GetString()!;
                var parameters = root.TryGetProperty("params", out var p) ? p.Clone() : default;
                if (!hasId)
                {
                    if (_onNotification is not null)
                        await _onNotification(method, parameters).ConfigureAwait(false);
                    return true;
                }
                long requestId = idElement.GetInt64();
                if (Interlocked.Increment(ref _unansweredRequests) > MaximumUnansweredRequests)
                {
                    ProtocolError = UnreadAnswers($"more than {MaximumUnansweredRequests} requests");
                    return false;
                }
                _ = AnswerAsync(requestId, method, parameters);
                return true;
            }
            if (hasId && _pending.TryGetValue(idElement.GetInt64(), out var waiting))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    int code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : -32603;
                    string message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "unknown error";
                    waiting.TrySetException(new RpcException(code, message));
                }
                else
                {
                    waiting.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
                }
                return true;
            }
            ProtocolError = "an answer to no request";
            return false;
        }
    }

    private async Task AnswerAsync(long id, string method, JsonElement parameters)
    {
        string? result = null;
        RpcException? failure = null;
        try
        {
            result = _onRequest is null
                ? throw new RpcException(-32601, $"No method '{method}'.")
                : await _onRequest(method, parameters).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            failure = e;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            failure = new RpcException(-32602, $"Invalid parameters for '{method}': {e.Message}");
        }
        try
        {
            var answer = Serialize(writer =>
            {
                writer.WriteNumber("id", id);
                if (failure is null)
                {
                    writer.WritePropertyName("result");
                    if (result is null)
                        writer.WriteNullValue();
                    else
                        writer.WriteRawValue(result, skipInputValidation: true);
                }
                else
                {
                    writer.WriteStartObject("error");
                    writer.WriteNumber("code", failure.Code);
                    writer.WriteString("message", failure.Message);
                    writer.WriteEndObject();
                }
            });
            if (Interlocked.Add(ref _unsentAnswerBytes, answer.WrittenCount) > MaximumUnsentAnswerBytes)
            {
                ProtocolError = UnreadAnswers($"requests with more than {MaximumUnsentAnswerBytes >> 20} MiB of answers");
                await _closed.CancelAsync().ConfigureAwait(false);
            }
            try
            {
                await SendAsync(answer).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Add(ref _unsentAnswerBytes, -answer.WrittenCount);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer left before its answer, or was closed for not reading its answers.
        }
        finally
        {
            Interlocked.Decrement(ref _unansweredRequests);
        }
    }

    private static string UnreadAnswers(string what) =>
        $"{what} without reading the answers; a client must read the answer to each request (at most {MaximumUnansweredRequests} answers or {MaximumUnsentAnswerBytes >> 20} MiB may wait)";

    private Task WriteAsync(Action<Utf8JsonWriter> body) => SendAsync(Serialize(body));

    private static ArrayBufferWriter<byte> Serialize(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            body(writer);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer;
    }

    private async Task SendAsync(ArrayBufferWriter<byte> buffer)
    {
        await _writeLock.WaitAsync(_closed.Token).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(buffer.WrittenMemory, _closed.Token).ConfigureAwait(false);
            await _stream.FlushAsync(_closed.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}

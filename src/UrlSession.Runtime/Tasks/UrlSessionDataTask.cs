using System;
using System.Buffers;
using System.IO;
using System.Net.Http;
using System.Threading.Tasks;
using UrlLoading.Transfer;

namespace UrlLoading;

/// <summary>
/// A task that delivers the response body in memory (Apple's <c>URLSessionDataTask</c>): to the delegate's
/// <c>DidReceiveData</c> as it arrives, or all at once to a completion handler or an awaiting caller.
/// </summary>
public class UrlSessionDataTask : UrlSessionTask
{
    private const int ReadBufferSize = 64 * 1024;
    private readonly Action<byte[]?, UrlResponse?, UrlError?>? _completionHandler;
    private readonly TaskCompletionSource<(byte[] Data, UrlResponse Response)>? _awaiter;
    private InMemoryBody? _body;

    /// <summary>Takes the response and body in place of the session delegate: set by <see cref="UrlSessionHandler"/> before the task resumes.</summary>
    internal IResponseReceiver? Receiver { get; set; }

    internal UrlSessionDataTask(UrlSession session, int identifier, UrlRequest request,
        Action<byte[]?, UrlResponse?, UrlError?>? completionHandler,
        TaskCompletionSource<(byte[] Data, UrlResponse Response)>? awaiter)
        : base(session, identifier, request)
    {
        _completionHandler = completionHandler;
        _awaiter = awaiter;
    }

    private protected override bool DeliversToDelegate => _completionHandler is null && _awaiter is null;

    private protected override async Task TransferAsync(TransferClock clock, MetricsRecorder metrics)
    {
        var exchange = await Session.Engine.SendAsync(this, clock, metrics).ConfigureAwait(false);
        // The task's response is the one it reads: a cached or revalidated response, not the 304 that confirmed it.
        Response = exchange.Response;
        bool handedOver = false;
        try
        {
            handedOver = await ReceiveAsync(exchange, clock).ConfigureAwait(false);
        }
        finally
        {
            if (!handedOver)
            {
                exchange.Complete(metrics);
                exchange.Dispose();
            }
        }
    }

    /// <summary>Reads the body; returns true when the task became a download task, which now owns the exchange.</summary>
    private async Task<bool> ReceiveAsync(Exchange exchange, TransferClock clock)
    {
        var response = exchange.Response;
        SetExpectedToReceive(response.ExpectedContentLength);
        await WaitWhileSuspendedAsync(clock).ConfigureAwait(false);

        bool toDelegate = DeliversToDelegate;
        var receiver = Receiver;
        if (receiver is not null)
            receiver.DidReceiveResponse(this, response);
        else if (toDelegate && Session.Answers(UrlSessionCallbacks.DidReceiveResponse))
        {
            clock.Pause();
            var disposition = await Session.DidReceiveResponseAsync(this, response).ConfigureAwait(false);
            clock.Touch();
            if (disposition == ResponseDisposition.Cancel)
                throw new UrlError(UrlErrorCode.Cancelled, response.Url, "The delegate cancelled the task in DidReceiveResponse.");
            if (disposition == ResponseDisposition.BecomeDownload)
            {
                await BecomeDownloadAsync(exchange).ConfigureAwait(false);
                return true;
            }
        }

        bool deliverChunks = receiver is not null || (toDelegate && Session.Answers(UrlSessionCallbacks.DidReceiveData));
        // Only a completion handler or an awaiting caller needs the whole body in memory; DidReceiveData chunks are
        // not kept.
        if (!toDelegate)
            _body = InMemoryBody.For(exchange, Session.ConfigurationSnapshot.MaximumInMemoryBodySize);

        var token = clock.Token;
        var content = await exchange.Message.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            while (true)
            {
                await WaitWhileSuspendedAsync(clock).ConfigureAwait(false);
                int read = await content.ReadAsync(buffer.AsMemory(0, ReadBufferSize), token).ConfigureAwait(false);
                if (read == 0)
                    break;
                clock.Touch();
                AddBytesReceived(read);
                exchange.BodyBytes += read;
                if (exchange.CacheBody is { } copy)
                {
                    // A body without Content-Length that outgrows what the cache keeps is not copied any further.
                    if (copy.Length + read > exchange.CacheLimit)
                        (exchange.CacheBody, exchange.CacheCandidate) = (null, null);
                    else
                        copy.Write(buffer, 0, read);
                }
                if (deliverChunks)
                {
                    clock.Pause();
                    await (receiver is null
                        ? Session.DidReceiveDataAsync(this, buffer.AsMemory(0, read))
                        : receiver.DidReceiveDataAsync(buffer.AsMemory(0, read), token)).ConfigureAwait(false);
                    clock.Touch();
                }
                else
                {
                    _body?.Append(buffer.AsSpan(0, read));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await CacheStage.CommitAsync(this, exchange, toDelegate).ConfigureAwait(false);
        return false;
    }

    /// <summary>Apple's <c>.becomeDownload</c>: a download task takes over the body; this task sends no more messages.</summary>
    private async Task BecomeDownloadAsync(Exchange exchange)
    {
        BecameDownload = true;
        var download = Session.AdoptForDownload(this, exchange);
        if (Session.Answers(UrlSessionCallbacks.DidBecomeDownloadTask))
            await Session.DidBecomeDownloadTaskAsync(this, download).ConfigureAwait(false);
        download.Resume();
    }

    private protected override bool SendsCompletion => !BecameDownload;

    private bool BecameDownload { get; set; }

    /// <summary>
    /// The bytes of a body buffer, without a copy when the buffer was sized from Content-Length and filled exactly
    /// (the usual case); the buffer is not used again.
    /// </summary>
    internal static byte[] Contents(MemoryStream body) => body.Length == body.Capacity ? body.GetBuffer() : body.ToArray();

    private protected override ValueTask DeliverCompletionAsync(UrlError? error)
    {
        if (_awaiter is not null)
        {
            ContinueCallerAfterCompletion(error is null
                ? static t => ((UrlSessionDataTask)t)._awaiter!.TrySetResult((((UrlSessionDataTask)t)._body!.ToArray(), t.Response!))
                : static t => ((UrlSessionDataTask)t)._awaiter!.TrySetException(t.Error!));
            return default;
        }
        if (_completionHandler is not null)
        {
            byte[]? data = error is null ? _body!.ToArray() : null;
            _body = null;
            return Session.InvokeCompletionHandlerAsync(_completionHandler, data, Response, error);
        }
        return Session.DidCompleteWithErrorAsync(this, error);
    }
}

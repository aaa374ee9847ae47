using System;
using System.Buffers;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using UrlLoading.Transfer;

namespace UrlLoading;

/// <summary>
/// An upload body that counts what reaches the transport: each chunk is reported through <c>DidSendBodyData</c>
/// after the write to the connection completed, not when it was buffered.
/// </summary>
internal sealed class UploadContent(Stream source, long length, UrlSessionTask task, TransferClock clock) : HttpContent
{
    private const int ChunkSize = 64 * 1024;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        long total = 0;
        try
        {
            await using (source.ConfigureAwait(false))
            {
                for (int read; (read = await source.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0;)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    clock.Touch();
                    total += read;
                    task.AddBytesSent(read);
                    if (task.Session.Answers(UrlSessionCallbacks.DidSendBodyData))
                    {
                        clock.Pause();
                        await task.Session.DidSendBodyDataAsync(task, read, total, length).ConfigureAwait(false);
                        clock.Touch();
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (length >= 0 && total != length)
            throw new UrlError(UrlErrorCode.RequestBodyStreamExhausted, task.CurrentRequest.Url, $"The upload body ended after {total} of {length} bytes.");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long size)
    {
        size = length;
        return length >= 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            source.Dispose();
        base.Dispose(disposing);
    }
}

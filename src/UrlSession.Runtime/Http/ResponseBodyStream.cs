using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// The response body of a <see cref="UrlSessionHandler"/> request, read from the task's pipe. A read cancelled by
/// its token, or disposing the stream before the end, cancels the task (as <see cref="SocketsHttpHandler"/> aborts
/// the connection).
/// </summary>
internal sealed class ResponseBodyStream(PipeReader reader, UrlSessionTask task) : Stream
{
    private int _disposed;

    public override bool CanRead => Volatile.Read(ref _disposed) == 0;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("The response body is a stream; its length is in Content-Length when the server sent one.");

    public override long Position
    {
        get => throw new NotSupportedException("The response body cannot seek.");
        set => throw new NotSupportedException("The response body cannot seek.");
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (buffer.IsEmpty)
            return 0;
        ReadResult result;
        try
        {
            result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            task.Cancel();
            throw;
        }
        var data = result.Buffer;
        int count = (int)Math.Min(buffer.Length, data.Length);
        data.Slice(0, count).CopyTo(buffer.Span);
        reader.AdvanceTo(data.GetPosition(count));
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The response body cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("The response body is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The response body is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            reader.Complete();
            // Has no effect once the task completed; before that, nobody will read the rest.
            task.Cancel();
        }
        base.Dispose(disposing);
    }
}

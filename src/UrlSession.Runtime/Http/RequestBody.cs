using System;
using System.IO;
using System.IO.Pipelines;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// An <see cref="HttpContent"/> as a request's <see cref="UrlRequest.HttpBodyStream"/>: each send (first, 307/308,
/// authentication retry) serializes the content again into a pipe the transfer reads, so the body streams out with
/// at most <see cref="PauseThreshold"/> bytes in memory, whatever kind of content it is.
/// </summary>
internal static class RequestBody
{
    /// <summary>The bytes the content may write ahead of the connection.</summary>
    public const int PauseThreshold = 256 * 1024;

    private static readonly PipeOptions s_options = new(pauseWriterThreshold: PauseThreshold, resumeWriterThreshold: PauseThreshold / 2,
        useSynchronizationContext: false);

    /// <summary>A provider that opens the content as a stream, once per send.</summary>
    public static Func<Stream> Of(HttpContent content, CancellationToken cancellationToken) => () =>
    {
        var pipe = new Pipe(s_options);
        _ = SerializeAsync(content, pipe.Writer, cancellationToken);
        return pipe.Reader.AsStream();
    };

    private static async Task SerializeAsync(HttpContent content, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await using var target = new PipeWriterStream(writer);
            await content.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The transfer reads the failure as the end of its body stream, and fails the task with it.
            await writer.CompleteAsync(e).ConfigureAwait(false);
        }
    }

    /// <summary>Writes into the pipe; stops the content's serialization once the transfer no longer reads.</summary>
    private sealed class PipeWriterStream(PipeWriter writer) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if ((await writer.WriteAsync(buffer, cancellationToken).ConfigureAwait(false)).IsCompleted)
                throw new OperationCanceledException("The request body is no longer read: the request ended before it was sent.");
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

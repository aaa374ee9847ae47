using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// A data task's response as <see cref="UrlSessionHandler"/> hands it on: the headers once, then the body through a
/// pipe with back-pressure, so a slow reader slows the transfer instead of growing memory (at most
/// <see cref="PauseThreshold"/> bytes wait in the pipe). The task's end completes the body, with its error if any.
/// </summary>
internal sealed class StreamedResponse : IResponseReceiver
{
    /// <summary>The bytes that may wait for the reader before the transfer stops reading from the network.</summary>
    public const int PauseThreshold = 512 * 1024;

    // Segments the size of the task's reads: few buffers in flight, so the array pool keeps them all.
    private static readonly PipeOptions s_options = new(pauseWriterThreshold: PauseThreshold, resumeWriterThreshold: PauseThreshold / 2,
        minimumSegmentSize: 64 * 1024, useSynchronizationContext: false);

    private readonly Pipe _pipe = new(s_options);
    private readonly TaskCompletionSource<UrlResponse> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly UrlSessionDataTask _task;

    private StreamedResponse(UrlSessionDataTask task)
    {
        _task = task;
        Body = new ResponseBodyStream(_pipe.Reader, task);
    }

    /// <summary>The body as the caller reads it; disposing it before the end cancels the task.</summary>
    public ResponseBodyStream Body { get; }

    /// <summary>Takes over <paramref name="task"/>'s response and body; call before the task resumes.</summary>
    public static StreamedResponse Attach(UrlSessionDataTask task)
    {
        var receiver = new StreamedResponse(task);
        task.Receiver = receiver;
        _ = receiver.CompleteWhenTaskEndsAsync();
        return receiver;
    }

    /// <summary>The response headers; fails with the task's error when it ends without a response.</summary>
    public async Task<UrlResponse> ResponseAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _response.Task.ConfigureAwait(false);
        }
        catch (UrlError error)
        {
            throw HttpClientErrors.ForRequest(error, cancellationToken);
        }
    }

    public void DidReceiveResponse(UrlSessionDataTask task, UrlResponse response) => _response.TrySetResult(response);

    public ValueTask DidReceiveDataAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _pipe.Writer.Write(data.Span);
        var flush = _pipe.Writer.FlushAsync(cancellationToken);
        return flush.IsCompletedSuccessfully && !flush.Result.IsCompleted ? default : AwaitFlushAsync(flush);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        if ((await flush.ConfigureAwait(false)).IsCompleted)
            throw new UrlError(UrlErrorCode.Cancelled, _task.CurrentRequest.Url, "The response body was disposed before it was read to the end.");
    }

    private async Task CompleteWhenTaskEndsAsync()
    {
        await _task.Completion.ConfigureAwait(false);
        if (_task.Error is { } error)
        {
            _response.TrySetException(error);
            await _pipe.Writer.CompleteAsync(HttpClientErrors.ForBody(error)).ConfigureAwait(false);
        }
        else
        {
            await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }
}

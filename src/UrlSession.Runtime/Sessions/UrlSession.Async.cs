using System;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

// The async convenience methods (Apple's <c>data(for:)</c>, <c>download(for:)</c>, <c>upload(for:from:)</c>): a task run to completion for an awaiting caller.
public sealed partial class UrlSession
{
    /// <summary>Loads a URL and returns its body and response (Apple's <c>data(from:)</c>). HTTP error statuses are returned, not thrown.</summary>
    /// <param name="url">The URL to load.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The body and the response.</returns>
    /// <exception cref="UrlError">The load failed.</exception>
    public Task<(byte[] Data, UrlResponse Response)> DataAsync(Uri url, CancellationToken cancellationToken = default) =>
        DataAsync(new UrlRequest(url), cancellationToken);

    /// <summary>Sends a request and returns the body and response (Apple's <c>data(for:)</c>). HTTP error statuses are returned, not thrown.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The body and the response.</returns>
    /// <exception cref="UrlError">The load failed.</exception>
    public Task<(byte[] Data, UrlResponse Response)> DataAsync(UrlRequest request, CancellationToken cancellationToken = default)
    {
        RejectOnBackground("async convenience methods");
        // Synchronous continuations: the task completes this result last of all (ContinueCallerAfterCompletion), so the
        // caller goes on where the transfer ended, without a thread-pool hop, and after the task's own bookkeeping.
        var result = new TaskCompletionSource<(byte[] Data, UrlResponse Response)>();
        return RunAwaitedAsync(CreateDataTask(request, null, result), result.Task, cancellationToken);
    }

    /// <summary>Downloads a URL to a temporary file that the caller owns (Apple's <c>download(from:)</c>): move it or delete it when done.</summary>
    /// <param name="url">The URL to download.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The file's path and the response.</returns>
    /// <exception cref="UrlError">The download failed.</exception>
    public Task<(string Location, UrlResponse Response)> DownloadAsync(Uri url, CancellationToken cancellationToken = default) =>
        DownloadAsync(new UrlRequest(url), cancellationToken);

    /// <summary>Downloads a request's response body to a temporary file that the caller owns (Apple's <c>download(for:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The file's path and the response.</returns>
    /// <exception cref="UrlError">The download failed.</exception>
    public Task<(string Location, UrlResponse Response)> DownloadAsync(UrlRequest request, CancellationToken cancellationToken = default)
    {
        RejectOnBackground("async convenience methods");
        var result = new TaskCompletionSource<(string Location, UrlResponse Response)>();
        return RunAwaitedAsync(CreateDownloadTask(request, null, result), result.Task, cancellationToken);
    }

    /// <summary>Uploads bytes and returns the response body and response (Apple's <c>upload(for:from:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="bodyData">The body.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The response body and the response.</returns>
    public Task<(byte[] Data, UrlResponse Response)> UploadAsync(UrlRequest request, ReadOnlyMemory<byte> bodyData, CancellationToken cancellationToken = default)
    {
        RejectOnBackground("async convenience methods");
        var result = new TaskCompletionSource<(byte[] Data, UrlResponse Response)>();
        return RunAwaitedAsync(CreateUploadTask(request, null, bodyData, null, result), result.Task, cancellationToken);
    }

    /// <summary>Uploads a file and returns the response body and response (Apple's <c>upload(for:fromFile:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="fromFile">The path of the file to send.</param>
    /// <param name="cancellationToken">Cancels the task; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The response body and the response.</returns>
    public Task<(byte[] Data, UrlResponse Response)> UploadAsync(UrlRequest request, string fromFile, CancellationToken cancellationToken = default)
    {
        RejectOnBackground("async convenience methods");
        var result = new TaskCompletionSource<(byte[] Data, UrlResponse Response)>();
        return RunAwaitedAsync(CreateUploadTask(request, fromFile, null, null, result), result.Task, cancellationToken);
    }

    private static async Task<T> RunAwaitedAsync<T>(UrlSessionTask task, Task<T> result, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static t => ((UrlSessionTask)t!).Cancel(), task);
        task.Resume();
        try
        {
            return await result.ConfigureAwait(false);
        }
        catch (UrlError e) when (e.Code == UrlErrorCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The load was cancelled.", e, cancellationToken);
        }
    }
}

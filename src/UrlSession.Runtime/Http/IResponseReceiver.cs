using System;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// Takes a data task's response and body in place of the session delegate, as a per-task delegate would (Apple's
/// <c>URLSessionTask.delegate</c>) for those two callbacks only: redirects, challenges, caching, metrics and the
/// completion still go to the session delegate.
/// </summary>
internal interface IResponseReceiver
{
    /// <summary>The response headers arrived, from the network or the cache; the body follows.</summary>
    /// <param name="task">The task.</param>
    /// <param name="response">The final response, after redirects and challenges.</param>
    void DidReceiveResponse(UrlSessionDataTask task, UrlResponse response);

    /// <summary>Body bytes arrived; the transfer reads no more until the returned task completes.</summary>
    /// <param name="data">The bytes, valid only until the returned task completes.</param>
    /// <param name="cancellationToken">The task's cancellation and timeouts.</param>
    /// <returns>A task that completes when the bytes were taken.</returns>
    ValueTask DidReceiveDataAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

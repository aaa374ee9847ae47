using System;
using System.IO;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// Every callback of Apple's session, task, data and download delegate protocols, each with Apple's default
/// behaviour. Write a <c>[UrlSessionDelegate] partial class</c> and let the generator implement this; implement it
/// by hand only when you need to, and then set <see cref="Callbacks"/> to the callbacks you override.
/// Callbacks for one session run one at a time on its <see cref="DelegateQueue"/>, and the transfer waits for each.
/// </summary>
public interface IUrlSessionDelegate
{
    /// <summary>The callbacks this delegate answers; the others get Apple's default behaviour without a call.</summary>
    UrlSessionCallbacks Callbacks => UrlSessionCallbacks.All;

    /// <summary>The session was invalidated; it is the last message the session sends.</summary>
    /// <param name="session">The session.</param>
    /// <param name="error">Null for an explicit invalidation.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidBecomeInvalid(UrlSession session, Exception? error) => default;

    /// <summary>A connection-level challenge (server trust, client certificate). Default: perform default handling.</summary>
    /// <param name="session">The session.</param>
    /// <param name="challenge">The challenge.</param>
    /// <returns>The disposition and, for <see cref="AuthChallengeDisposition.UseCredential"/>, the credential.</returns>
    ValueTask<(AuthChallengeDisposition Disposition, UrlCredential? Credential)> DidReceiveChallenge(UrlSession session, UrlAuthenticationChallenge challenge) =>
        new((AuthChallengeDisposition.PerformDefaultHandling, null));

    /// <summary>All events waiting for a background session were delivered.</summary>
    /// <param name="session">The session.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidFinishEventsForBackgroundSession(UrlSession session) => default;

    /// <summary>A task was created.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The new task.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidCreateTask(UrlSession session, UrlSessionTask task) => default;

    /// <summary>
    /// Apple's <c>willBeginDelayedRequest</c>, for a task with an earliest begin date. Not raised yet: this library has
    /// no delayed tasks so far, so the session never calls it (declared so that delegates written for it compile).
    /// </summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="request">The request it would send.</param>
    /// <returns>The disposition and, for <see cref="DelayedRequestDisposition.UseNewRequest"/>, the request.</returns>
    ValueTask<(DelayedRequestDisposition Disposition, UrlRequest? NewRequest)> WillBeginDelayedRequest(UrlSession session, UrlSessionTask task, UrlRequest request) =>
        new((DelayedRequestDisposition.ContinueLoading, null));

    /// <summary>
    /// Apple's <c>taskIsWaitingForConnectivity</c>. Not raised yet: tasks do not wait for connectivity (see
    /// <see cref="UrlSessionConfiguration.WaitsForConnectivity"/>), so the session never calls it.
    /// </summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask TaskIsWaitingForConnectivity(UrlSession session, UrlSessionTask task) => default;

    /// <summary>The server redirected. Return the request to follow (possibly changed), or null to refuse and deliver the 3xx response. Default: follow.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="response">The redirect response.</param>
    /// <param name="newRequest">The request the session would send next.</param>
    /// <returns>The request to send, or null.</returns>
    ValueTask<UrlRequest?> WillPerformHttpRedirection(UrlSession session, UrlSessionTask task, HttpUrlResponse response, UrlRequest newRequest) =>
        new(newRequest);

    /// <summary>A request-level challenge (HTTP Basic, Digest, ...). Default: perform default handling.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="challenge">The challenge.</param>
    /// <returns>The disposition and, for <see cref="AuthChallengeDisposition.UseCredential"/>, the credential.</returns>
    ValueTask<(AuthChallengeDisposition Disposition, UrlCredential? Credential)> DidReceiveChallenge(UrlSession session, UrlSessionTask task, UrlAuthenticationChallenge challenge) =>
        new((AuthChallengeDisposition.PerformDefaultHandling, null));

    /// <summary>The body stream must be sent again (redirect 307/308, authentication retry). Return a new stream positioned at the start, or null to fail the task.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <returns>The new stream, or null.</returns>
    ValueTask<Stream?> NeedNewBodyStream(UrlSession session, UrlSessionTask task) => new((Stream?)null);

    /// <summary>Body bytes were written to the transport.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="bytesSent">Bytes sent since the last call.</param>
    /// <param name="totalBytesSent">Bytes sent so far.</param>
    /// <param name="totalBytesExpectedToSend">The body length, or -1 when unknown.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidSendBodyData(UrlSession session, UrlSessionTask task, long bytesSent, long totalBytesSent, long totalBytesExpectedToSend) => default;

    /// <summary>The task's metrics, delivered just before its completion.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="metrics">The metrics.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidFinishCollectingMetrics(UrlSession session, UrlSessionTask task, UrlSessionTaskMetrics metrics) => default;

    /// <summary>The task finished: the last message for it. <paramref name="error"/> is null on success, including HTTP 4xx and 5xx responses.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="error">The failure, or null.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidCompleteWithError(UrlSession session, UrlSessionTask task, UrlError? error) => default;

    /// <summary>A data task received its response headers; the body waits for the answer. Default: allow.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="response">The response.</param>
    /// <returns>What to do with the rest of the transfer.</returns>
    ValueTask<ResponseDisposition> DidReceiveResponse(UrlSession session, UrlSessionDataTask task, UrlResponse response) =>
        new(ResponseDisposition.Allow);

    /// <summary>A data task became a download task; further messages go to the download task.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The data task.</param>
    /// <param name="downloadTask">The download task that replaces it.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidBecomeDownloadTask(UrlSession session, UrlSessionDataTask task, UrlSessionDownloadTask downloadTask) => default;

    /// <summary>Body bytes arrived. <paramref name="data"/> is pooled and valid only until this call returns: copy what you keep.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="data">The bytes.</param>
    /// <returns>A task the session waits for; the transfer reads no more until it completes.</returns>
    ValueTask DidReceiveData(UrlSession session, UrlSessionDataTask task, ReadOnlyMemory<byte> data) => default;

    /// <summary>The response may be cached. Return it (possibly changed) to store it, or null to store nothing. Default: store as proposed.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="proposedResponse">What the session would store.</param>
    /// <returns>What to store, or null.</returns>
    ValueTask<CachedUrlResponse?> WillCacheResponse(UrlSession session, UrlSessionDataTask task, CachedUrlResponse proposedResponse) =>
        new(proposedResponse);

    /// <summary>A download finished. The file at <paramref name="location"/> is deleted when this returns: move or open it before.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="location">The temporary file.</param>
    /// <returns>A task the session waits for before deleting the file.</returns>
    ValueTask DidFinishDownloading(UrlSession session, UrlSessionDownloadTask task, string location) => default;

    /// <summary>Download progress.</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="bytesWritten">Bytes written since the last call.</param>
    /// <param name="totalBytesWritten">Bytes written so far.</param>
    /// <param name="totalBytesExpectedToWrite">The expected total, or -1 when unknown.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidWriteData(UrlSession session, UrlSessionDownloadTask task, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite) => default;

    /// <summary>A download resumed from resume data at <paramref name="fileOffset"/> (0 when the server could not resume).</summary>
    /// <param name="session">The session.</param>
    /// <param name="task">The task.</param>
    /// <param name="fileOffset">The offset the download continues from.</param>
    /// <param name="expectedTotalBytes">The expected total, or -1 when unknown.</param>
    /// <returns>A task the session waits for.</returns>
    ValueTask DidResumeAtOffset(UrlSession session, UrlSessionDownloadTask task, long fileOffset, long expectedTotalBytes) => default;
}

using System;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

// The delegate callbacks: each enters the session's delegate queue here.
public sealed partial class UrlSession
{
    internal ValueTask DidReceiveDataAsync(UrlSessionDataTask task, ReadOnlyMemory<byte> data) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidReceiveData(s.Session, s.Task, s.Data), (Delegate: _delegate!, Session: this, Task: task, Data: data));

    internal ValueTask DidSendBodyDataAsync(UrlSessionTask task, long sent, long total, long expected) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidSendBodyData(s.Session, s.Task, s.Sent, s.Total, s.Expected), (Delegate: _delegate!, Session: this, Task: task, Sent: sent, Total: total, Expected: expected));

    internal ValueTask<System.IO.Stream?> NeedNewBodyStreamAsync(UrlSessionTask task) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.NeedNewBodyStream(s.Session, s.Task), (Delegate: _delegate!, Session: this, Task: task));

    internal ValueTask DidWriteDataAsync(UrlSessionDownloadTask task, long written, long total, long expected) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidWriteData(s.Session, s.Task, s.Written, s.Total, s.Expected), (Delegate: _delegate!, Session: this, Task: task, Written: written, Total: total, Expected: expected));

    internal ValueTask DidResumeAtOffsetAsync(UrlSessionDownloadTask task, long offset, long expected) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidResumeAtOffset(s.Session, s.Task, s.Offset, s.Expected), (Delegate: _delegate!, Session: this, Task: task, Offset: offset, Expected: expected));

    internal ValueTask DidBecomeDownloadTaskAsync(UrlSessionDataTask task, UrlSessionDownloadTask download) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidBecomeDownloadTask(s.Session, s.Task, s.Download), (Delegate: _delegate!, Session: this, Task: task, Download: download));

    internal ValueTask DidFinishDownloadingAsync(UrlSessionDownloadTask task, string location) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidFinishDownloading(s.Session, s.Task, s.Location), (Delegate: _delegate!, Session: this, Task: task, Location: location));

    internal ValueTask<ResponseDisposition> DidReceiveResponseAsync(UrlSessionDataTask task, UrlResponse response) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidReceiveResponse(s.Session, s.Task, s.Response), (Delegate: _delegate!, Session: this, Task: task, Response: response));

    internal ValueTask<UrlRequest?> WillPerformHttpRedirectionAsync(UrlSessionTask task, HttpUrlResponse response, UrlRequest next) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.WillPerformHttpRedirection(s.Session, s.Task, s.Response, s.Next), (Delegate: _delegate!, Session: this, Task: task, Response: response, Next: next));

    internal ValueTask<(AuthChallengeDisposition Disposition, UrlCredential? Credential)> DidReceiveTaskChallengeAsync(UrlSessionTask task, UrlAuthenticationChallenge challenge) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidReceiveChallenge(s.Session, s.Task, s.Challenge), (Delegate: _delegate!, Session: this, Task: task, Challenge: challenge));

    internal ValueTask<(AuthChallengeDisposition Disposition, UrlCredential? Credential)> DidReceiveSessionChallengeAsync(UrlAuthenticationChallenge challenge) =>
        Volatile.Read(ref _delegate) is { } d
            ? DelegateQueue.InvokeAsync(static s => s.Delegate.DidReceiveChallenge(s.Session, s.Challenge), (Delegate: d, Session: this, Challenge: challenge))
            : new((AuthChallengeDisposition.PerformDefaultHandling, null));

    internal ValueTask<CachedUrlResponse?> WillCacheResponseAsync(UrlSessionDataTask task, CachedUrlResponse proposed) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.WillCacheResponse(s.Session, s.Task, s.Proposed), (Delegate: _delegate!, Session: this, Task: task, Proposed: proposed));

    internal ValueTask DidFinishEventsForBackgroundSessionAsync() =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidFinishEventsForBackgroundSession(s.Session), (Delegate: _delegate!, Session: this));

    internal ValueTask DidFinishCollectingMetricsAsync(UrlSessionTask task, UrlSessionTaskMetrics metrics) =>
        DelegateQueue.InvokeAsync(static s => s.Delegate.DidFinishCollectingMetrics(s.Session, s.Task, s.Metrics), (Delegate: _delegate!, Session: this, Task: task, Metrics: metrics));

    internal ValueTask DidCompleteWithErrorAsync(UrlSessionTask task, UrlError? error) =>
        Volatile.Read(ref _delegate) is { } d && (_callbacks & UrlSessionCallbacks.DidCompleteWithError) != 0
            ? DelegateQueue.InvokeAsync(static s => s.Delegate.DidCompleteWithError(s.Session, s.Task, s.Error), (Delegate: d, Session: this, Task: task, Error: error))
            : default;

    internal ValueTask InvokeCompletionHandlerAsync<T>(Action<T?, UrlResponse?, UrlError?> handler, T? data, UrlResponse? response, UrlError? error)
        where T : class =>
        DelegateQueue.InvokeAsync(static s =>
        {
            s.Handler(s.Data, s.Response, s.Error);
            return default;
        }, (Handler: handler, Data: data, Response: response, Error: error));
}

using System;

namespace UrlLoading;

/// <summary>
/// The callbacks a delegate really answers (Apple's <c>respondsToSelector:</c>, known at compile time). The session
/// reads this to choose Apple's behaviour for the others: no redirect callback means follow, no challenge callback
/// means default handling, no <see cref="DidReceiveData"/> means no bytes are handed to the delegate.
/// </summary>
[Flags]
public enum UrlSessionCallbacks
{
    /// <summary>No callback.</summary>
    None = 0,
    /// <summary><c>DidBecomeInvalid</c>.</summary>
    DidBecomeInvalid = 1 << 0,
    /// <summary>The session-level <c>DidReceiveChallenge</c> (server trust, client certificate).</summary>
    DidReceiveSessionChallenge = 1 << 1,
    /// <summary><c>DidFinishEventsForBackgroundSession</c>.</summary>
    DidFinishEventsForBackgroundSession = 1 << 2,
    /// <summary><c>DidCreateTask</c>.</summary>
    DidCreateTask = 1 << 3,
    /// <summary><c>WillBeginDelayedRequest</c>.</summary>
    WillBeginDelayedRequest = 1 << 4,
    /// <summary><c>TaskIsWaitingForConnectivity</c>.</summary>
    TaskIsWaitingForConnectivity = 1 << 5,
    /// <summary><c>WillPerformHttpRedirection</c>.</summary>
    WillPerformHttpRedirection = 1 << 6,
    /// <summary>The task-level <c>DidReceiveChallenge</c> (Basic, Digest, ...).</summary>
    DidReceiveTaskChallenge = 1 << 7,
    /// <summary><c>NeedNewBodyStream</c>.</summary>
    NeedNewBodyStream = 1 << 8,
    /// <summary><c>DidSendBodyData</c>.</summary>
    DidSendBodyData = 1 << 9,
    /// <summary><c>DidFinishCollectingMetrics</c>.</summary>
    DidFinishCollectingMetrics = 1 << 10,
    /// <summary><c>DidCompleteWithError</c>.</summary>
    DidCompleteWithError = 1 << 11,
    /// <summary><c>DidReceiveResponse</c>.</summary>
    DidReceiveResponse = 1 << 12,
    /// <summary><c>DidBecomeDownloadTask</c>.</summary>
    DidBecomeDownloadTask = 1 << 13,
    /// <summary><c>DidReceiveData</c>.</summary>
    DidReceiveData = 1 << 14,
    /// <summary><c>WillCacheResponse</c>.</summary>
    WillCacheResponse = 1 << 15,
    /// <summary><c>DidFinishDownloading</c>.</summary>
    DidFinishDownloading = 1 << 16,
    /// <summary><c>DidWriteData</c>.</summary>
    DidWriteData = 1 << 17,
    /// <summary><c>DidResumeAtOffset</c>.</summary>
    DidResumeAtOffset = 1 << 18,
    /// <summary>Every callback.</summary>
    All = (1 << 19) - 1,
}

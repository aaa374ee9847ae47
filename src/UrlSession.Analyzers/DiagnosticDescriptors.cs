using Microsoft.CodeAnalysis;

namespace UrlLoading.Analyzers;

/// <summary>All descriptors, with help links derived from the ID (docs/rules/US####.md).</summary>
public static class DiagnosticDescriptors
{
    private const string HelpRoot = "https://github.com/urlsession-dotnet/urlsession/blob/main/docs/rules/";

    /// <summary>US1001.</summary>
    public static readonly DiagnosticDescriptor ReusedBackgroundIdentifier = Create(
        DiagnosticIds.ReusedBackgroundIdentifier, "Background session identifier used by more than one session",
        "Background session identifier '{0}' is also used at {1}; create exactly one UrlSession per background identifier and reuse it",
        "Reliability", DiagnosticSeverity.Warning, WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>US1002.</summary>
    public static readonly DiagnosticDescriptor ConvenienceApiOnBackgroundSession = Create(
        DiagnosticIds.ConvenienceApiOnBackgroundSession, "Completion handler or async method on a background session",
        "{0} with a completion handler or as an async method is not supported on a background session, which reports only to its delegate; create the task without a handler and handle it in the delegate",
        "Reliability", DiagnosticSeverity.Error);

    /// <summary>US1003.</summary>
    public static readonly DiagnosticDescriptor DataTaskOnBackgroundSession = Create(
        DiagnosticIds.DataTaskOnBackgroundSession, "Data task or in-memory upload on a background session",
        "{0} is not supported on a background session: only downloads and uploads from a file run in the background; use a default session, or write the body to a file and upload it with UploadTask(request, fromFile)",
        "Reliability", DiagnosticSeverity.Error);

    /// <summary>US1004.</summary>
    public static readonly DiagnosticDescriptor NonDeterministicBackgroundIdentifier = Create(
        DiagnosticIds.NonDeterministicBackgroundIdentifier, "Background identifier changes on every run",
        "The background identifier is computed from {0}, so it differs on every launch and the app can never re-create the session to receive its finished transfers; use a fixed identifier such as \"com.example.app.downloads\"",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US2001.</summary>
    public static readonly DiagnosticDescriptor DownloadedFileNotMoved = Create(
        DiagnosticIds.DownloadedFileNotMoved, "Downloaded file not moved or opened before DidFinishDownloading returns",
        "The file at '{0}' is deleted when DidFinishDownloading returns; move, copy or open it in the method itself, before any await and outside lambdas, tasks and fields",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US3001.</summary>
    public static readonly DiagnosticDescriptor TaskNeverResumed = Create(
        DiagnosticIds.TaskNeverResumed, "Task created but never resumed",
        "The task from {0} is never resumed; tasks start suspended, so it never runs: call Resume()",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US2401.</summary>
    public static readonly DiagnosticDescriptor DelegateClassNotPartial = Create(
        DiagnosticIds.DelegateClassNotPartial, "Delegate class must be partial",
        "'{0}' has [UrlSessionDelegate] but is not partial, so no delegate implementation is generated; add the 'partial' modifier",
        "Usage", DiagnosticSeverity.Warning);

    /// <summary>US2402.</summary>
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Create(
        DiagnosticIds.ContainingTypeNotPartial, "Type enclosing a delegate class must be partial",
        "'{0}' encloses the delegate class '{1}' but is not partial, so no delegate implementation is generated; add the 'partial' modifier to '{0}'",
        "Usage", DiagnosticSeverity.Warning);

    /// <summary>US2403.</summary>
    public static readonly DiagnosticDescriptor CallbackSignatureMismatch = Create(
        DiagnosticIds.CallbackSignatureMismatch, "Callback method signature does not match the callback",
        "'{0}' is named like a URLSession callback but its signature fits none of its forms, so the session never calls it; expected {1}",
        "Usage", DiagnosticSeverity.Warning);

    /// <summary>US2404.</summary>
    public static readonly DiagnosticDescriptor DuplicateCallback = Create(
        DiagnosticIds.DuplicateCallback, "Two methods answer the same callback",
        "'{0}' answers the same callback as the method declared before it, so the session never calls it; keep one",
        "Usage", DiagnosticSeverity.Warning);

    /// <summary>US2405.</summary>
    public static readonly DiagnosticDescriptor DelegateTypeNotSupported = Create(
        DiagnosticIds.DelegateTypeNotSupported, "Delegate type cannot be generated",
        "'{0}' cannot be a URLSession delegate: {1}",
        "Usage", DiagnosticSeverity.Warning);

    /// <summary>US2406.</summary>
    public static readonly DiagnosticDescriptor NearMissCallbackName = Create(
        DiagnosticIds.NearMissCallbackName, "Method named almost like a callback is never called",
        "'{0}' is not a callback name, so the session never calls it; the callback is named '{1}'",
        "Usage", DiagnosticSeverity.Warning);

    /// <summary>US2101.</summary>
    public static readonly DiagnosticDescriptor CompletionHandlerNotCalled = Create(
        DiagnosticIds.CompletionHandlerNotCalled, "Completion handler not called on every path",
        "'{0}' does not call '{1}' on every path, so the task waits forever (or until it times out); call it on every path, for example with {2}",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US2102.</summary>
    public static readonly DiagnosticDescriptor CompletionHandlerCalledTwice = Create(
        DiagnosticIds.CompletionHandlerCalledTwice, "Completion handler called more than once",
        "'{0}' can be called a second time here; the session takes only the first answer, so return after calling it",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US3002.</summary>
    public static readonly DiagnosticDescriptor TaskOnInvalidatedSession = Create(
        DiagnosticIds.TaskOnInvalidatedSession, "Task created on an invalidated session",
        "'{0}' was invalidated by {1} above, so {2} throws InvalidOperationException; create tasks before invalidating, or use a new UrlSession",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US4001.</summary>
    public static readonly DiagnosticDescriptor ConfigurationChangedAfterSession = Create(
        DiagnosticIds.ConfigurationChangedAfterSession, "Configuration changed after the session was created",
        "{0}, so changing {1} has no effect on the session; set it on the configuration before creating the session",
        "Usage", DiagnosticSeverity.Warning);

    /// <summary>US4002.</summary>
    public static readonly DiagnosticDescriptor ReservedHeader = Create(
        DiagnosticIds.ReservedHeader, "Header managed by the loading system set by hand",
        "The '{0}' header is managed by the URL loading system and must not be set here; {1}",
        "Usage", DiagnosticSeverity.Warning);

    /// <summary>US5001.</summary>
    public static readonly DiagnosticDescriptor ServerTrustAcceptedWithoutEvaluation = Create(
        DiagnosticIds.ServerTrustAcceptedWithoutEvaluation, "Any server certificate accepted",
        "{0}, so anyone on the network can impersonate the server; remove it and let the platform validate, or compare the certificate with a pinned one",
        "Security", DiagnosticSeverity.Warning);

    /// <summary>US6002.</summary>
    public static readonly DiagnosticDescriptor DownloadStatusNotChecked = Create(
        DiagnosticIds.DownloadStatusNotChecked, "Download saved without checking the HTTP status",
        "The download is saved without looking at the response's status, so an error page (404, 500, ...) is kept as if it were the file; check ((HttpUrlResponse)task.Response).StatusCode first",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US7001.</summary>
    public static readonly DiagnosticDescriptor BlockingWaitInCallback = Create(
        DiagnosticIds.BlockingWaitInCallback, "Blocking wait in a delegate callback",
        "{0} blocks inside '{1}': the session's callbacks run one at a time, so this transfer and every other callback of the session wait with it; make the method async and await instead",
        "Performance", DiagnosticSeverity.Warning);

    /// <summary>US1005.</summary>
    public static readonly DiagnosticDescriptor BackgroundLaunchNotCompleted = Create(
        DiagnosticIds.BackgroundLaunchNotCompleted, "Background launch not completed",
        "{0}, but nothing calls UrlSessionBackgroundLaunch.Current.CompletionHandler; call it from DidFinishEventsForBackgroundSession once the events are handled",
        "Reliability", DiagnosticSeverity.Warning, WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>US2103.</summary>
    public static readonly DiagnosticDescriptor ChallengeFallbackCancels = Create(
        DiagnosticIds.ChallengeFallbackCancels, "Challenge handler cancels the methods it does not handle",
        "'{0}' handles some authentication methods and cancels the others, so client-certificate, NTLM, Negotiate, proxy and server-trust challenges fail; answer PerformDefaultHandling for methods you do not handle",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US2301.</summary>
    public static readonly DiagnosticDescriptor StreamedUploadWithoutBodyStream = Create(
        DiagnosticIds.StreamedUploadWithoutBodyStream, "Streamed upload without NeedNewBodyStream",
        "The delegate of '{0}' has no NeedNewBodyStream callback, so this streamed upload throws when it is created; add NeedNewBodyStream to the delegate, or upload from bytes or a file",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US3003.</summary>
    public static readonly DiagnosticDescriptor SessionNeverInvalidated = Create(
        DiagnosticIds.SessionNeverInvalidated, "Session with a delegate never invalidated",
        "'{0}' keeps its delegate, itself and its connections alive until it is invalidated, and this method neither invalidates it nor hands it on; use 'await using', or call FinishTasksAndInvalidate when done",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US3004.</summary>
    public static readonly DiagnosticDescriptor SessionPerIteration = Create(
        DiagnosticIds.SessionPerIteration, "New session for every request",
        "{0}: each has its own connection pool, so no connection is reused and sockets pile up; create one once (outside the loop, in a static readonly field, or through IHttpClientFactory) and reuse it",
        "Performance", DiagnosticSeverity.Warning);

    /// <summary>US3005.</summary>
    public static readonly DiagnosticDescriptor ResumeAfterCompletion = Create(
        DiagnosticIds.ResumeAfterCompletion, "Completed task resumed to retry it",
        "'{0}' has completed, so Resume() does nothing and the retry never happens; create a new task (for a download, DownloadTask(error.ResumeData) continues it)",
        "Reliability", DiagnosticSeverity.Warning);

    /// <summary>US6001.</summary>
    public static readonly DiagnosticDescriptor ResponseStatusIgnored = Create(
        DiagnosticIds.ResponseStatusIgnored, "Response of a load never looked at",
        "The response of {0} is never looked at: HTTP errors are not exceptions, so a 404 or 500 body is used as if the request had succeeded; check ((HttpUrlResponse)response).StatusCode",
        "Reliability", DiagnosticSeverity.Info);

    /// <summary>US7002.</summary>
    public static readonly DiagnosticDescriptor LargeDownloadBuffered = Create(
        DiagnosticIds.LargeDownloadBuffered, "Large file loaded into memory",
        "'{0}' looks like a large file, and {1} holds the whole body in memory; use DownloadTask or DownloadAsync, which stream it to a file",
        "Performance", DiagnosticSeverity.Info);

    /// <summary>US2202.</summary>
    public static readonly DiagnosticDescriptor UiTouchedFromCallback = Create(
        DiagnosticIds.UiTouchedFromCallback, "UI object touched from a delegate callback",
        "'{0}' is a UI object, but '{1}' runs on the session's delegate queue, which is not the UI thread unless the session was created with DelegateQueue.FromSynchronizationContext; create the session that way on the UI thread, or dispatch to it",
        "Reliability", DiagnosticSeverity.Info);

    /// <summary>US2302.</summary>
    public static readonly DiagnosticDescriptor UploadRequestBodyIgnored = Create(
        DiagnosticIds.UploadRequestBodyIgnored, "Request body ignored by an upload task",
        "The request's {0} is ignored: an upload task sends {1}; remove it from the request",
        "Usage", DiagnosticSeverity.Info);

    /// <summary>US4003.</summary>
    public static readonly DiagnosticDescriptor SmallCacheCapacity = Create(
        DiagnosticIds.SmallCacheCapacity, "URL cache disk capacity too small",
        "A disk capacity of {0:N0} bytes keeps no response larger than {1:N0} bytes (a cache store keeps nothing over 5% of its capacity); give the cache at least 5 MiB (5 * 1024 * 1024) unless every response it should keep is that small",
        "Usage", DiagnosticSeverity.Info);

    /// <summary>US4005.</summary>
    public static readonly DiagnosticDescriptor DiscretionaryTransfer = Create(
        DiagnosticIds.DiscretionaryTransfer, "Discretionary transfers may wait",
        "Discretionary transfers may be deferred (urlsessiond runs them one at a time, after other work); leave IsDiscretionary false for transfers a user is waiting for",
        "Usage", DiagnosticSeverity.Info);

    /// <summary>US6003.</summary>
    public static readonly DiagnosticDescriptor ResumeDataIgnored = Create(
        DiagnosticIds.ResumeDataIgnored, "Resume data of a failed download ignored",
        "'{0}' handles failed downloads but never uses error.ResumeData, so a download that failed part-way starts over from zero; keep it and continue with session.DownloadTask(error.ResumeData)",
        "Reliability", DiagnosticSeverity.Info);

    /// <summary>The documentation page of a rule.</summary>
    /// <param name="id">The rule's ID.</param>
    /// <returns>The page's address.</returns>
    public static string HelpLink(string id) => HelpRoot + id + ".md";

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, params string[] tags) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLink(id), customTags: tags);
}

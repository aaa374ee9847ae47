namespace UrlLoading.Analyzers;

/// <summary>
/// Every diagnostic ID the UrlSession analyzers report. Bands: US1xxx background sessions, US2xxx delegate contract,
/// US3xxx task and session lifetime, US4xxx configuration, US5xxx security, US6xxx responses, US7xxx performance.
/// </summary>
public static class DiagnosticIds
{
    /// <summary>The same background session identifier is used by more than one session.</summary>
    public const string ReusedBackgroundIdentifier = "US1001";

    /// <summary>A completion-handler or async convenience method used on a background session.</summary>
    public const string ConvenienceApiOnBackgroundSession = "US1002";

    /// <summary>A data task, or a data or stream upload, on a background session.</summary>
    public const string DataTaskOnBackgroundSession = "US1003";

    /// <summary>A background identifier computed from a value that changes on every run.</summary>
    public const string NonDeterministicBackgroundIdentifier = "US1004";

    /// <summary>The temporary file given to <c>DidFinishDownloading</c> is not moved, copied or opened before the method returns.</summary>
    public const string DownloadedFileNotMoved = "US2001";

    /// <summary>A task is created but never resumed.</summary>
    public const string TaskNeverResumed = "US3001";

    /// <summary>A <c>[UrlSessionDelegate]</c> class is not <c>partial</c>.</summary>
    public const string DelegateClassNotPartial = "US2401";

    /// <summary>A type enclosing a <c>[UrlSessionDelegate]</c> class is not <c>partial</c>.</summary>
    public const string ContainingTypeNotPartial = "US2402";

    /// <summary>A method named like a callback has a signature that fits none of its forms.</summary>
    public const string CallbackSignatureMismatch = "US2403";

    /// <summary>Two methods answer the same callback.</summary>
    public const string DuplicateCallback = "US2404";

    /// <summary>A <c>[UrlSessionDelegate]</c> type the generator cannot implement (static class).</summary>
    public const string DelegateTypeNotSupported = "US2405";

    /// <summary>A method of a <c>[UrlSessionDelegate]</c> class is named almost like a callback (Apple's selector, another case).</summary>
    public const string NearMissCallbackName = "US2406";

    /// <summary>A delegate method does not call its completion handler on every path.</summary>
    public const string CompletionHandlerNotCalled = "US2101";

    /// <summary>A delegate method calls its completion handler more than once on a path.</summary>
    public const string CompletionHandlerCalledTwice = "US2102";

    /// <summary>A task is created on a session after it was invalidated.</summary>
    public const string TaskOnInvalidatedSession = "US3002";

    /// <summary>A configuration is changed after a session was created from it.</summary>
    public const string ConfigurationChangedAfterSession = "US4001";

    /// <summary>A header the loading system manages is set by hand.</summary>
    public const string ReservedHeader = "US4002";

    /// <summary>Any server certificate is accepted.</summary>
    public const string ServerTrustAcceptedWithoutEvaluation = "US5001";

    /// <summary>A finished download is saved without looking at the HTTP status.</summary>
    public const string DownloadStatusNotChecked = "US6002";

    /// <summary>A delegate callback blocks its thread waiting for something.</summary>
    public const string BlockingWaitInCallback = "US7001";

    /// <summary>A challenge handler cancels the authentication methods it does not handle.</summary>
    public const string ChallengeFallbackCancels = "US2103";

    /// <summary>A streamed upload on a session whose delegate has no <c>NeedNewBodyStream</c>.</summary>
    public const string StreamedUploadWithoutBodyStream = "US2301";

    /// <summary>A session with a delegate is never invalidated.</summary>
    public const string SessionNeverInvalidated = "US3003";

    /// <summary>A new session (or HttpClient) is created for every request: per iteration, per item, or per call.</summary>
    public const string SessionPerIteration = "US3004";

    /// <summary>A completed task is resumed again, as if to retry it.</summary>
    public const string ResumeAfterCompletion = "US3005";

    /// <summary>The response of a load is never looked at.</summary>
    public const string ResponseStatusIgnored = "US6001";

    /// <summary>A large file is loaded into memory by a data task.</summary>
    public const string LargeDownloadBuffered = "US7002";

    /// <summary>A background launch is not completed.</summary>
    public const string BackgroundLaunchNotCompleted = "US1005";

    /// <summary>A UI object is touched from a delegate callback.</summary>
    public const string UiTouchedFromCallback = "US2202";

    /// <summary>A body is set on a request given to an upload task, which ignores it.</summary>
    public const string UploadRequestBodyIgnored = "US2302";

    /// <summary>A URL cache is given a disk capacity too small to keep ordinary responses.</summary>
    public const string SmallCacheCapacity = "US4003";

    /// <summary>A configuration is made discretionary.</summary>
    public const string DiscretionaryTransfer = "US4005";

    /// <summary>The resume data of a failed download is never used.</summary>
    public const string ResumeDataIgnored = "US6003";
}

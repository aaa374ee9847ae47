namespace UrlLoading.Analyzers;

/// <summary>Every diagnostic ID the UrlSession analyzers report. Bands: US1xxx background sessions, US2xxx delegate contract, US3xxx task and session lifetime.</summary>
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
}

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

    /// <summary>The documentation page of a rule.</summary>
    /// <param name="id">The rule's ID.</param>
    /// <returns>The page's address.</returns>
    public static string HelpLink(string id) => HelpRoot + id + ".md";

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, params string[] tags) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLink(id), customTags: tags);
}

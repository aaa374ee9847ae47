using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.DelegateContract;

/// <summary>
/// US2406: a method of a <c>[UrlSessionDelegate]</c> class is named almost like a callback, so the generator binds
/// nothing to it and the session never calls it: Apple's selector (<c>DidFinishDownloadingToUrl</c>,
/// <c>URLSessionDidFinishEventsForBackgroundURLSession</c>, <c>DidBecomeInvalidWithError</c>), the catalog name in
/// another case (<c>didCompleteWithError</c>), or a typo in a long name (one letter off, two from 16 letters on). Not reported when the
/// class already has a method with the catalog name (then the other method is a helper).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NearMissCallbackNameAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property with the catalog name the fix renames to.</summary>
    public const string CallbackNameProperty = "CallbackName";

    /// <summary>Apple's selector pieces that the catalog names leave out (Swift and Objective-C spellings).</summary>
    private static readonly ImmutableDictionary<string, string> s_selectors = ImmutableDictionary.CreateRange(StringComparer.OrdinalIgnoreCase, new[]
    {
        Pair("DidFinishDownloadingTo", "DidFinishDownloading"),
        Pair("DidFinishDownloadingToUrl", "DidFinishDownloading"),
        Pair("DownloadTaskDidFinishDownloadingToUrl", "DidFinishDownloading"),
        Pair("DidFinishEventsForBackgroundUrlSession", "DidFinishEventsForBackgroundSession"),
        Pair("DidFinishEventsForBackgroundURLSession", "DidFinishEventsForBackgroundSession"),
        Pair("UrlSessionDidFinishEventsForBackgroundUrlSession", "DidFinishEventsForBackgroundSession"),
        Pair("DidBecomeInvalidWithError", "DidBecomeInvalid"),
        Pair("TaskDidCompleteWithError", "DidCompleteWithError"),
        Pair("DidComplete", "DidCompleteWithError"),
        Pair("DidReceiveAuthenticationChallenge", "DidReceiveChallenge"),
        Pair("WillPerformHttpRedirectionNewRequest", "WillPerformHttpRedirection"),
        Pair("DidBecomeDownload", "DidBecomeDownloadTask"),
        Pair("DidResumeAtOffsetExpectedTotalBytes", "DidResumeAtOffset"),
        Pair("NeedNewBodyStreamForTask", "NeedNewBodyStream"),
        Pair("DidWriteDataTotalBytesWrittenTotalBytesExpectedToWrite", "DidWriteData"),
        Pair("DidSendBodyDataTotalBytesSentTotalBytesExpectedToSend", "DidSendBodyData"),
        Pair("DidReceiveResponseCompletionHandler", "DidReceiveResponse"),
    });

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.NearMissCallbackName);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types)
                return;
            start.RegisterSymbolAction(symbol => Analyze(symbol, types), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, KnownTypes types)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, types.Attribute)))
            return;
        var methods = type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary && !m.IsImplicitlyDeclared).ToList();
        foreach (var method in methods)
        {
            if (CallbackCatalog.IsCallbackName(method.Name) || CallbackFor(method.Name) is not { } callback
                || methods.Any(m => m.Name == callback) || method.Locations.FirstOrDefault() is not { IsInSource: true } location)
                continue;
            var properties = ImmutableDictionary<string, string?>.Empty.Add(CallbackNameProperty, callback);
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NearMissCallbackName, location, properties, method.Name, callback));
        }
    }

    /// <summary>The catalog name a method name is a near miss of, or null.</summary>
    internal static string? CallbackFor(string name)
    {
        string stripped = StripPrefix(name, "UrlSession");
        if (s_selectors.TryGetValue(name, out var known) || s_selectors.TryGetValue(stripped, out known))
            return known;
        string? close = null;
        foreach (var callback in CallbackCatalog.All)
        {
            if (string.Equals(callback.Name, stripped, StringComparison.OrdinalIgnoreCase))
                return callback.Name;
            int limit = callback.Name.Length >= 16 ? 2 : 1;
            if (callback.Name.Length >= 12 && Distance(callback.Name, stripped, limit) <= limit)
                close ??= callback.Name;
        }
        return close;
    }

    private static string StripPrefix(string name, string prefix) =>
        name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? name.Substring(prefix.Length) : name;

    /// <summary>Case-insensitive edit distance, or more than <paramref name="limit"/> as soon as it exceeds it.</summary>
    private static int Distance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit)
            return limit + 1;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            int best = current[0];
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                best = Math.Min(best, current[j]);
            }
            if (best > limit)
                return limit + 1;
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static System.Collections.Generic.KeyValuePair<string, string> Pair(string name, string callback) => new(name, callback);
}

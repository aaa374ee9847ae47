using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Performance;

/// <summary>
/// US7002 (information): <c>DataAsync</c> or <c>DataTask</c> with a completion handler loads a URL, written in the
/// code, whose path names a large file (an archive, a disk image, a video, an installer). Those forms hold the whole
/// body in memory; a download task streams it to a file.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LargeDownloadBufferedAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableArray<string> s_largeFiles = ImmutableArray.Create(
        ".zip", ".iso", ".dmg", ".img", ".tar", ".gz", ".tgz", ".xz", ".7z", ".rar", ".mp4", ".mov", ".mkv", ".avi",
        ".pkg", ".msi", ".exe", ".apk", ".ipa", ".deb", ".rpm", ".nupkg", ".bin");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.LargeDownloadBuffered);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession") is not { } session)
                return;
            start.RegisterOperationAction(c => Analyze(c, session), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session)
    {
        var call = (IInvocationOperation)context.Operation;
        bool buffers = call.TargetMethod.Name == "DataAsync" || (call.TargetMethod.Name == "DataTask" && call.Arguments.Length == 2);
        if (!buffers || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, session) || call.Arguments.Length == 0
            || UrlText(call.Arguments[0].Value) is not { } url)
            return;
        string path = url.Split('?', '#')[0];
        foreach (var extension in s_largeFiles)
        {
            if (path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LargeDownloadBuffered, call.Arguments[0].Syntax.GetLocation(), url, call.TargetMethod.Name));
                return;
            }
        }
    }

    /// <summary>The URL's text when the code spells it: <c>new Uri("...")</c>, <c>new UrlRequest(new Uri("..."))</c>.</summary>
    private static string? UrlText(IOperation value) => value.WithoutConversions() switch
    {
        IObjectCreationOperation { Arguments.Length: > 0 } creation when creation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string text } => text,
        IObjectCreationOperation { Arguments.Length: > 0 } creation => UrlText(creation.Arguments[0].Value),
        _ => null,
    };
}

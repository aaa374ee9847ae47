using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.Responses;

/// <summary>
/// US6002: <c>DidFinishDownloading</c> moves or copies the file without looking at the response's status. A download
/// task saves whatever body the server sent, so a 404 or 500 error page is kept under the real file's name. Not
/// reported when the method reads <c>StatusCode</c>, or hands the response to other code, before the save; a status
/// read after the file was moved (as <c>samples/Fetch</c> does) checks too late.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DownloadStatusNotCheckedAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.DownloadStatusNotChecked);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types || start.Compilation.GetTypeByMetadataName("System.IO.File") is not { } file)
                return;
            start.RegisterOperationBlockAction(block => Analyze(block, types, file));
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, KnownTypes types, INamedTypeSymbol file)
    {
        if (context.OwningSymbol is not IMethodSymbol { Name: "DidFinishDownloading" } method || method.CallbackBinding(types) is null
            || method.Parameters.FirstOrDefault(p => p.Type.SpecialType == SpecialType.System_String) is not { } location)
            return;
        var operations = context.OperationBlocks.SelectMany(b => b.Descendants()).ToList();
        var save = operations.OfType<IInvocationOperation>().FirstOrDefault(call =>
            call.TargetMethod.Name is "Move" or "Copy" or "Replace"
            && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, file)
            && call.Arguments.Length > 0
            && SymbolEqualityComparer.Default.Equals(call.Arguments[0].Value.ReferencedSymbol(), location));
        if (save is null)
            return;
        bool looksAtResponseFirst = operations.Any(o => o.Syntax.SpanStart < save.Syntax.SpanStart
            && (o is IPropertyReferenceOperation { Property.Name: "StatusCode" or "IsSuccessStatusCode" }
                || (o is IPropertyReferenceOperation { Property.Name: "Response" } response && response.Parent is IArgumentOperation or ISimpleAssignmentOperation or IVariableInitializerOperation or IIsPatternOperation or IIsTypeOperation or IConversionOperation { IsImplicit: false })));
        if (!looksAtResponseFirst)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DownloadStatusNotChecked, save.Syntax.GetLocation()));
    }
}

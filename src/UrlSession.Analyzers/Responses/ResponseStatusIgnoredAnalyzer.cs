using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Responses;

/// <summary>
/// US6001 (information): the response of <c>DataAsync</c>, <c>UploadAsync</c> or <c>DownloadAsync</c> is discarded
/// (<c>var (data, _) = await ...</c>) or kept in a local that is never read. As in Apple's API, an HTTP error status
/// is a successful load, so the caller then treats a 404 or 500 body as the answer.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ResponseStatusIgnoredAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ResponseStatusIgnored);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession") is not { } session)
                return;
            start.RegisterOperationAction(c => Analyze(c, session), OperationKind.DeconstructionAssignment);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session)
    {
        var assignment = (IDeconstructionAssignmentOperation)context.Operation;
        if (assignment.Value.WithoutConversions() is not IAwaitOperation { Operation: var awaited }
            || awaited.WithoutConversions() is not IInvocationOperation { TargetMethod.Name: "DataAsync" or "UploadAsync" or "DownloadAsync" } load
            || !SymbolEqualityComparer.Default.Equals(load.TargetMethod.ContainingType, session))
            return;
        var target = assignment.Target is IDeclarationExpressionOperation declaration ? declaration.Expression : assignment.Target;
        if (target is not ITupleOperation { Elements.Length: 2 } tuple)
            return;
        bool ignored = tuple.Elements[1] switch
        {
            IDiscardOperation => true,
            ILocalReferenceOperation local => !assignment.Root().Descendants().OfType<ILocalReferenceOperation>()
                .Any(r => r != local && SymbolEqualityComparer.Default.Equals(r.Local, local.Local)),
            _ => false,
        };
        if (ignored)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResponseStatusIgnored, load.Syntax.GetLocation(), load.TargetMethod.Name));
    }
}

using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Responses;

/// <summary>
/// US6001 (information): the response of <c>DataAsync</c>, <c>UploadAsync</c> or <c>DownloadAsync</c> is discarded
/// (<c>var (data, _) = await ...</c>), kept in a local that is never read, or the whole result is thrown away
/// (<c>await session.DataAsync(request);</c> as a statement, or <c>_ = await ...</c>). As in Apple's API, an HTTP
/// error status is a successful load, so the caller then treats a 404 or 500 as success.
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
            start.RegisterOperationAction(c => AnalyzeDiscarded(c, session), OperationKind.Await);
        });
    }

    /// <summary><c>await session.DataAsync(request);</c> or <c>_ = await ...</c>: the whole result, response included, is thrown away.</summary>
    private static void AnalyzeDiscarded(OperationAnalysisContext context, INamedTypeSymbol session)
    {
        var await = (IAwaitOperation)context.Operation;
        bool discarded = await.Parent is IExpressionStatementOperation
            || (await.Parent is ISimpleAssignmentOperation { Target: IDiscardOperation } assignment && assignment.Value == await);
        if (discarded && Load(await, session) is { } load)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResponseStatusIgnored, load.Syntax.GetLocation(), load.TargetMethod.Name));
    }

    /// <summary>The awaited <c>DataAsync</c>, <c>UploadAsync</c> or <c>DownloadAsync</c> call of a session, or null.</summary>
    private static IInvocationOperation? Load(IOperation value, INamedTypeSymbol session)
    {
        if (value.WithoutConversions() is not IAwaitOperation { Operation: var awaited })
            return null;
        awaited = awaited.WithoutConversions();
        if (awaited is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured })
            awaited = configured.WithoutConversions();
        return awaited is IInvocationOperation { TargetMethod.Name: "DataAsync" or "UploadAsync" or "DownloadAsync" } load
            && SymbolEqualityComparer.Default.Equals(load.TargetMethod.ContainingType, session)
                ? load
                : null;
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session)
    {
        var assignment = (IDeconstructionAssignmentOperation)context.Operation;
        if (Load(assignment.Value, session) is not { } load)
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

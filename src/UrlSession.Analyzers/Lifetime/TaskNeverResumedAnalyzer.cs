using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Lifetime;

/// <summary>
/// US3001: a task made by <c>DataTask</c>, <c>DownloadTask</c> or <c>UploadTask</c> is never resumed. Tasks start
/// suspended, so such a task never runs and its completion never comes. Reported when the new task is discarded,
/// or kept in a local that is neither resumed nor handed anywhere else in the method.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskNeverResumedAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.TaskNeverResumed);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var session = start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession");
            var task = start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSessionTask");
            if (session is null || task is null)
                return;
            start.RegisterOperationAction(operation => Analyze(operation, session, task), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session, INamedTypeSymbol taskType)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, session)
            || method.Name is not ("DataTask" or "DownloadTask" or "UploadTask")
            || !IsTask(method.ReturnType, taskType))
            return;

        var parent = invocation.Parent;
        if (parent is IExpressionStatementOperation)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskNeverResumed, invocation.Syntax.GetLocation(), method.Name));
            return;
        }
        if (parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }
            && !IsResumedOrHandedOn(declarator.Symbol, invocation))
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskNeverResumed, declarator.Syntax.GetLocation(), method.Name));
    }

    /// <summary>Looks at every use of the local in the enclosing body: resumed, or escaping where this method cannot follow it.</summary>
    private static bool IsResumedOrHandedOn(ILocalSymbol local, IOperation start)
    {
        foreach (var reference in start.Root().DescendantsAndSelf().OfType<ILocalReferenceOperation>())
        {
            if (!SymbolEqualityComparer.Default.Equals(reference.Local, local))
                continue;
            switch (reference.Parent)
            {
                case IInvocationOperation { TargetMethod.Name: "Resume" or "Cancel" } call when call.Instance == reference:
                    return true;
                case IInvocationOperation call when call.Instance == reference:
                case IPropertyReferenceOperation:
                case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                    continue;
                default:
                    // Passed, returned, stored or captured: someone else may resume it.
                    return true;
            }
        }
        return false;
    }

    private static bool IsTask(ITypeSymbol type, INamedTypeSymbol taskType)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, taskType))
                return true;
        }
        return false;
    }
}

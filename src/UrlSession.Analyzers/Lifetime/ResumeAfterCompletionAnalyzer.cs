using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.Lifetime;

/// <summary>
/// US3005: <c>DidCompleteWithError</c> calls <c>Resume()</c> on the task that just completed, as if that retried it,
/// or a task's completion handler resumes the task it completes
/// (<c>task = session.DataTask(url, (d, r, e) =&gt; { if (e is not null) task.Resume(); })</c>). A completed task never
/// runs again; the retry silently does not happen.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ResumeAfterCompletionAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ResumeAfterCompletion);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types)
                return;
            start.RegisterOperationAction(c => AnalyzeHandler(c, types.Session), OperationKind.Invocation);
            start.RegisterOperationBlockStartAction(block =>
            {
                if (block.OwningSymbol is IMethodSymbol { Name: "DidCompleteWithError" } method && method.CallbackBinding(types) is not null)
                    block.RegisterOperationAction(Analyze, OperationKind.Invocation);
            });
        });
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        var call = (IInvocationOperation)context.Operation;
        if (call.TargetMethod.Name == "Resume" && call.Arguments.Length == 0 && call.Instance?.WithoutConversions() is IParameterReferenceOperation task)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResumeAfterCompletion, call.Syntax.GetLocation(), task.Parameter.Name));
    }

    /// <summary><c>Resume()</c> in a completion handler on the variable that holds the task the handler completes.</summary>
    private static void AnalyzeHandler(OperationAnalysisContext context, INamedTypeSymbol session)
    {
        var call = (IInvocationOperation)context.Operation;
        var instance = call.Instance is IConditionalAccessInstanceOperation && call.Parent is IConditionalAccessOperation access ? access.Operation : call.Instance;
        if (call.TargetMethod.Name != "Resume" || call.Arguments.Length != 0 || instance.ReferencedSymbol() is not { } task)
            return;
        for (var node = call.Parent; node is not null; node = node.Parent)
        {
            if (node is not IAnonymousFunctionOperation handler)
                continue;
            var creation = (handler.Parent as IDelegateCreationOperation ?? (IOperation)handler).Parent is IArgumentOperation { Parent: IInvocationOperation owner }
                && owner.TargetMethod.Name is "DataTask" or "DownloadTask" or "UploadTask"
                && SymbolEqualityComparer.Default.Equals(owner.TargetMethod.ContainingType, session)
                    ? owner
                    : null;
            if (creation is not null && HoldsResultOf(task, creation))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResumeAfterCompletion, (instance == call.Instance ? call : call.Parent!).Syntax.GetLocation(), task.Name));
            return;
        }
    }

    /// <summary>True when <paramref name="creation"/>'s task is stored in <paramref name="task"/> (declaration or assignment).</summary>
    private static bool HoldsResultOf(ISymbol task, IOperation creation)
    {
        var node = creation;
        while (node.Parent is IConversionOperation)
            node = node.Parent;
        return node.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => SymbolEqualityComparer.Default.Equals(declarator.Symbol, task),
            ISimpleAssignmentOperation assignment => SymbolEqualityComparer.Default.Equals(assignment.Target.ReferencedSymbol(), task),
            _ => false,
        };
    }
}

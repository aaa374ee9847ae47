using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.Lifetime;

/// <summary>
/// US3005: <c>DidCompleteWithError</c> calls <c>Resume()</c> on the task that just completed, as if that retried it.
/// A completed task never runs again; the retry silently does not happen.
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
}

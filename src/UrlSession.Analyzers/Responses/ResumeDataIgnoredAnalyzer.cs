using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.Responses;

/// <summary>
/// US6003 (information): a delegate class that receives downloads (it has <c>DidFinishDownloading</c>) handles
/// errors in <c>DidCompleteWithError</c> without ever reading <c>ResumeData</c> and without handing the error to other
/// code. A download that failed part-way then starts over from zero.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ResumeDataIgnoredAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ResumeDataIgnored);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types)
                return;
            start.RegisterOperationBlockAction(block => Analyze(block, types));
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, KnownTypes types)
    {
        if (context.OwningSymbol is not IMethodSymbol { Name: "DidCompleteWithError" } method || method.CallbackBinding(types) is null
            || !method.ContainingType.GetMembers("DidFinishDownloading").OfType<IMethodSymbol>().Any(m => m.CallbackBinding(types) is not null)
            || method.Parameters.FirstOrDefault(p => p.Type.Name == "UrlError") is not { } error)
            return;
        var operations = context.OperationBlocks.SelectMany(b => b.Descendants()).ToList();
        if (operations.Any(o => o is IPropertyReferenceOperation { Property.Name: "ResumeData" }))
            return;
        var uses = operations.OfType<IParameterReferenceOperation>().Where(r => SymbolEqualityComparer.Default.Equals(r.Parameter, error)).ToList();
        // Only looked at here (null checks, Code, Message): handed anywhere else, someone else may resume it.
        bool handsOn = uses.Any(r => r.Parent is IArgumentOperation or ISimpleAssignmentOperation or IReturnOperation or IVariableInitializerOperation || r.IsInsideFunction());
        if (uses.Count > 0 && !handsOn)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResumeDataIgnored, method.Locations[0], method.Name));
    }
}

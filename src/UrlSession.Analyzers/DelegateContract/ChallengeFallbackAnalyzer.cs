using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.DelegateContract;

/// <summary>
/// US2103: a <c>DidReceiveChallenge</c> method looks at <c>ProtectionSpace.AuthenticationMethod</c> (so it handles
/// some methods) and answers <c>CancelAuthenticationChallenge</c> somewhere: the challenges it does not handle are
/// cancelled instead of getting the system's default handling. A method that never looks at the authentication method
/// cancels on purpose and is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ChallengeFallbackAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ChallengeFallbackCancels);

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
        if (context.OwningSymbol is not IMethodSymbol { Name: "DidReceiveChallenge" } method || method.CallbackBinding(types) is null)
            return;
        var operations = context.OperationBlocks.SelectMany(b => b.Descendants()).ToList();
        if (!operations.Any(o => o is IPropertyReferenceOperation { Property.Name: "AuthenticationMethod" }))
            return;
        foreach (var cancel in operations.OfType<IFieldReferenceOperation>())
        {
            if (cancel.Field is { Name: "CancelAuthenticationChallenge", ContainingType.Name: "AuthChallengeDisposition" } && !cancel.IsInsideFunction())
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ChallengeFallbackCancels, cancel.Syntax.GetLocation(), method.Name));
        }
    }
}

using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.DelegateContract;

/// <summary>
/// US2001: in <c>DidFinishDownloading</c>, the temporary file is deleted when the method returns, so the method must
/// move, copy or open it before then: synchronously, before any <c>await</c>, and not in a lambda, a task or a field.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DownloadedFileNotMovedAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.DownloadedFileNotMoved);

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
        if (context.OwningSymbol is not IMethodSymbol { Name: "DidFinishDownloading" } method
            || !method.ContainingType.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, types.Attribute))
            || CallbackMatcher.Match(method, types) is null)
            return;
        var location = method.Parameters.FirstOrDefault(p => p.Type.SpecialType == SpecialType.System_String);
        if (location is null)
            return;

        int firstAwait = int.MaxValue;
        bool consumed = false;
        foreach (var body in context.OperationBlocks)
        {
            foreach (var operation in body.DescendantsAndSelf())
            {
                if (operation is IAwaitOperation)
                    firstAwait = System.Math.Min(firstAwait, operation.Syntax.SpanStart);
            }
        }
        foreach (var body in context.OperationBlocks)
        {
            foreach (var reference in body.DescendantsAndSelf().OfType<IParameterReferenceOperation>())
            {
                if (SymbolEqualityComparer.Default.Equals(reference.Parameter, location) && ConsumesNow(reference, firstAwait))
                    consumed = true;
            }
        }
        if (!consumed)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DownloadedFileNotMoved, location.Locations[0], location.Name));
    }

    /// <summary>Passed to a call or constructor that runs now: before any await, outside lambdas and local functions.</summary>
    private static bool ConsumesNow(IOperation reference, int firstAwait)
    {
        if (reference.Syntax.SpanStart > firstAwait)
            return false;
        for (var parent = reference.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
                return false;
        }
        var value = reference.Parent;
        while (value is IConversionOperation or IInterpolatedStringOperation or IInterpolationOperation or IBinaryOperation)
            value = value.Parent;
        return value is IArgumentOperation { Parent: IInvocationOperation or IObjectCreationOperation };
    }
}

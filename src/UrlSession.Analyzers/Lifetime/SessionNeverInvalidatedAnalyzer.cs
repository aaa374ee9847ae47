using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Lifetime;

/// <summary>
/// US3003: a local session created with a delegate is neither invalidated (<c>FinishTasksAndInvalidate</c>,
/// <c>InvalidateAndCancel</c>, <c>DisposeAsync</c>, a <c>using</c> declaration) nor handed on (returned, passed,
/// stored, captured). The session holds its delegate strongly until it is invalidated, as Apple's does, so both
/// and the connection pool stay alive for the rest of the process. Background sessions, which live as long as the
/// app by design, are not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SessionNeverInvalidatedAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.SessionNeverInvalidated);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession") is not { } session || start.Compilation.BackgroundFactory() is not { } background)
                return;
            start.RegisterOperationAction(c => Analyze(c, session, background), OperationKind.VariableDeclarator);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session, IMethodSymbol background)
    {
        var declarator = (IVariableDeclaratorOperation)context.Operation;
        if (declarator.Initializer?.Value.WithoutConversions() is not IObjectCreationOperation creation
            || !SymbolEqualityComparer.Default.Equals(creation.Type, session)
            || creation.Arguments.Length < 2
            || creation.Arguments[1].Value.WithoutConversions() is ILiteralOperation or IDefaultValueOperation
            || creation.Arguments[1].IsImplicit
            || IsBackground(creation.Arguments[0].Value, background)
            || declarator.Parent?.Parent is IUsingDeclarationOperation or IUsingOperation || declarator.Parent?.Parent?.Parent is IUsingDeclarationOperation or IUsingOperation
            || declarator.IsInsideFunction())
            return;
        var local = declarator.Symbol;
        foreach (var reference in declarator.Root().Descendants().OfType<ILocalReferenceOperation>())
        {
            if (!SymbolEqualityComparer.Default.Equals(reference.Local, local))
                continue;
            if (reference.IsInsideFunction())
                return; // captured: the lambda may invalidate it
            switch (reference.Parent)
            {
                case IInvocationOperation { TargetMethod.Name: "FinishTasksAndInvalidate" or "InvalidateAndCancel" or "DisposeAsync" } call when call.Instance == reference:
                    return;
                case IInvocationOperation or IPropertyReferenceOperation:
                    continue;
                case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                    continue;
                default:
                    return; // passed, returned or stored: its new owner invalidates it
            }
        }
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SessionNeverInvalidated, declarator.Syntax.GetLocation(), local.Name));
    }

    private static bool IsBackground(IOperation configuration, IMethodSymbol background)
    {
        var value = configuration.WithoutConversions();
        if (value is ILocalReferenceOperation local)
            value = local.Initializer() ?? value;
        return value is IInvocationOperation call && SymbolEqualityComparer.Default.Equals(call.TargetMethod, background);
    }
}

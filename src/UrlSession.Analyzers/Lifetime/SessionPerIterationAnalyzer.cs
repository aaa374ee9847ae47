using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Lifetime;

/// <summary>
/// US3004: a <c>UrlSession</c> or <c>HttpClient</c> is created inside a loop, one per iteration. Each brings its own
/// connection pool, so nothing is reused: every request pays a new connection (and TLS handshake), and closed sockets
/// pile up in TIME_WAIT.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SessionPerIterationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.SessionPerIteration);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession") is not { } session)
                return;
            var client = start.Compilation.GetTypeByMetadataName("System.Net.Http.HttpClient");
            start.RegisterOperationAction(c => Analyze(c, session, client), OperationKind.ObjectCreation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session, INamedTypeSymbol? client)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, session) && !SymbolEqualityComparer.Default.Equals(creation.Type, client))
            return;
        for (var parent = creation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
                return;
            if (parent is ILoopOperation)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SessionPerIteration, creation.Syntax.GetLocation(), creation.Type!.Name));
                return;
            }
        }
    }
}

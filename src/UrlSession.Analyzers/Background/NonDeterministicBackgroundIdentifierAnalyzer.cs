using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Background;

/// <summary>
/// US1004: a background identifier built from a value that changes on every run (<c>Guid.NewGuid()</c>, the clock,
/// a random number). After a relaunch the app cannot re-create the session, so its finished transfers are lost.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NonDeterministicBackgroundIdentifierAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.NonDeterministicBackgroundIdentifier);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var background = start.Compilation.BackgroundFactory();
            if (background is null)
                return;
            var volatileSources = new[] { "System.Guid", "System.DateTime", "System.DateTimeOffset", "System.Random", "System.Environment", "System.Diagnostics.Stopwatch" }
                .Select(start.Compilation.GetTypeByMetadataName).Where(t => t is not null).Cast<INamedTypeSymbol>().ToImmutableArray();
            start.RegisterOperationAction(operation =>
            {
                var invocation = (IInvocationOperation)operation.Operation;
                if (!SymbolEqualityComparer.Default.Equals(invocation.TargetMethod, background) || invocation.Arguments.Length == 0)
                    return;
                var argument = invocation.Arguments[0].Value;
                if (argument.ConstantValue.HasValue)
                    return;
                if (FindVolatile(argument, volatileSources, followLocals: 2) is { } source)
                    operation.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NonDeterministicBackgroundIdentifier, invocation.Arguments[0].Syntax.GetLocation(), source));
            }, OperationKind.Invocation);
        });
    }

    /// <summary>The first member of a run-dependent type the value is computed from, looking through locals a few levels deep.</summary>
    private static string? FindVolatile(IOperation value, ImmutableArray<INamedTypeSymbol> sources, int followLocals)
    {
        foreach (var operation in value.DescendantsAndSelf())
        {
            var (type, member) = operation switch
            {
                IInvocationOperation call when call.TargetMethod.Name is "NewGuid" or "Next" or "NextInt64" or "GetTimestamp" => (call.TargetMethod.ContainingType, call.TargetMethod.Name),
                IPropertyReferenceOperation property when property.Property.Name is "Now" or "UtcNow" or "Ticks" or "TickCount" or "TickCount64" or "Shared" => (property.Property.ContainingType, property.Property.Name),
                IObjectCreationOperation creation => (creation.Type as INamedTypeSymbol, "new"),
                _ => (null, null),
            };
            if (type is not null && sources.Contains(type, SymbolEqualityComparer.Default))
                return $"{type.Name}.{member}";
            if (operation is ILocalReferenceOperation local && followLocals > 0 && local.Initializer() is { } initializer
                && FindVolatile(initializer, sources, followLocals - 1) is { } found)
                return found;
        }
        return null;
    }
}

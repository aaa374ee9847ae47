using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Lifetime;

/// <summary>
/// US3002: a task is created on a session after <c>FinishTasksAndInvalidate</c>, <c>InvalidateAndCancel</c> or
/// <c>DisposeAsync</c> in the same method. An invalidated session refuses new tasks with
/// <c>InvalidOperationException</c> (Apple's crashes). <c>UrlSession.Shared</c> ignores invalidation and is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskOnInvalidatedSessionAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> s_invalidating = ImmutableHashSet.Create("FinishTasksAndInvalidate", "InvalidateAndCancel", "DisposeAsync");
    private static readonly ImmutableHashSet<string> s_creating = ImmutableHashSet.Create("DataTask", "DownloadTask", "UploadTask", "DataAsync", "DownloadAsync", "UploadAsync");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.TaskOnInvalidatedSession);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession") is not { } session)
                return;
            start.RegisterOperationBlockAction(block => Analyze(block, session));
        });
    }

    /// <summary>A local that holds <c>UrlSession.Shared</c>, which ignores invalidation.</summary>
    private static bool IsShared(IOperation instance) =>
        instance.WithoutConversions() is ILocalReferenceOperation local && local.Initializer() is IPropertyReferenceOperation { Property: { Name: "Shared", IsStatic: true } };

    private static void Analyze(OperationBlockAnalysisContext context, INamedTypeSymbol session)
    {
        var calls = context.OperationBlocks.SelectMany(b => b.Descendants()).OfType<IInvocationOperation>()
            .Where(c => SymbolEqualityComparer.Default.Equals(c.TargetMethod.ContainingType, session) && c.Instance.ReferencedSymbol() is { } s && s is not IPropertySymbol { IsStatic: true } && !IsShared(c.Instance!))
            .ToList();
        var invalidations = calls.Where(c => s_invalidating.Contains(c.TargetMethod.Name)).ToList();
        if (invalidations.Count == 0)
            return;
        foreach (var creation in calls.Where(c => s_creating.Contains(c.TargetMethod.Name)))
        {
            var symbol = creation.Instance.ReferencedSymbol()!;
            var invalidation = invalidations.FirstOrDefault(i => SymbolEqualityComparer.Default.Equals(i.Instance.ReferencedSymbol(), symbol)
                && i.RunsBefore(creation) && !symbol.IsReassignedBetween(i, creation));
            if (invalidation is not null)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskOnInvalidatedSession, creation.Syntax.GetLocation(), symbol.Name, invalidation.TargetMethod.Name, creation.TargetMethod.Name));
        }
    }
}

using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Background;

/// <summary>
/// US1001: the same constant identifier passed to <c>UrlSessionConfiguration.Background</c> at two or more places
/// in the compilation. Needs the whole compilation, so it reports at build time (CompilationEnd), not live.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReusedBackgroundIdentifierAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ReusedBackgroundIdentifier);

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
            var sites = new ConcurrentQueue<(string Identifier, Location Location)>();
            start.RegisterOperationAction(operation =>
            {
                var invocation = (IInvocationOperation)operation.Operation;
                if (SymbolEqualityComparer.Default.Equals(invocation.TargetMethod, background)
                    && invocation.Arguments.FirstOrDefault()?.Value.ConstantValue is { HasValue: true, Value: string identifier })
                    sites.Enqueue((identifier, invocation.Arguments[0].Syntax.GetLocation()));
            }, OperationKind.Invocation);
            start.RegisterCompilationEndAction(end =>
            {
                foreach (var group in sites.GroupBy(s => s.Identifier).Where(g => g.Count() > 1))
                {
                    var locations = group.Select(s => s.Location).OrderBy(l => l.SourceTree?.FilePath).ThenBy(l => l.SourceSpan.Start).ToList();
                    foreach (var location in locations)
                    {
                        var others = locations.Where(l => l != location).ToList();
                        end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ReusedBackgroundIdentifier, location, others, group.Key, Describe(others[0])));
                    }
                }
            });
        });
    }

    private static string Describe(Location location)
    {
        var span = location.GetLineSpan();
        return $"{System.IO.Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }
}

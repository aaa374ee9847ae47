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
/// Two sites that never run together are not a reuse: opposite branches of one <c>if</c>, <c>?:</c> or
/// <c>switch</c>, and Apple's pattern of one site at launch and one that re-creates the session when urlsessiond
/// relaunches the app (a site that runs only when <c>UrlSessionBackgroundLaunch.Current</c> is set, or in a method
/// given the <c>UrlSessionBackgroundLaunch</c>).
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
            var launch = start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSessionBackgroundLaunch");
            var sites = new ConcurrentQueue<Site>();
            start.RegisterOperationAction(operation =>
            {
                var invocation = (IInvocationOperation)operation.Operation;
                if (SymbolEqualityComparer.Default.Equals(invocation.TargetMethod, background)
                    && invocation.Arguments.FirstOrDefault()?.Value.ConstantValue is { HasValue: true, Value: string identifier })
                    sites.Enqueue(new Site(identifier, invocation.Arguments[0].Syntax.GetLocation(), Branches(invocation), IsRelaunch(invocation, operation.ContainingSymbol, launch)));
            }, OperationKind.Invocation);
            start.RegisterCompilationEndAction(end =>
            {
                foreach (var group in sites.GroupBy(s => s.Identifier).Where(g => g.Count() > 1))
                {
                    var ordered = group.OrderBy(s => s.Location.SourceTree?.FilePath).ThenBy(s => s.Location.SourceSpan.Start).ToList();
                    foreach (var site in ordered)
                    {
                        var others = ordered.Where(o => o != site && site.RunsWith(o)).Select(o => o.Location).ToList();
                        if (others.Count > 0)
                            end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ReusedBackgroundIdentifier, site.Location, others, group.Key, Describe(others[0])));
                    }
                }
            });
        });
    }

    /// <summary>One creation site: where it is, the branches it sits in, and whether it runs only on a relaunch.</summary>
    private sealed record Site(string Identifier, Location Location, ImmutableArray<(int Conditional, int Branch)> Branches, bool Relaunch)
    {
        /// <summary>False for two paths that never run together: opposite branches of one conditional, or launch and relaunch.</summary>
        public bool RunsWith(Site other) =>
            Relaunch == other.Relaunch
            && !(Location.SourceTree == other.Location.SourceTree
                 && Branches.Any(b => other.Branches.Any(o => o.Conditional == b.Conditional && o.Branch != b.Branch)));
    }

    /// <summary>The conditionals around the site: (the conditional's position, which of its branches holds the site).</summary>
    private static ImmutableArray<(int, int)> Branches(IOperation site)
    {
        var branches = ImmutableArray.CreateBuilder<(int, int)>();
        for (IOperation node = site; node.Parent is { } parent; node = parent)
        {
            switch (parent)
            {
                case IConditionalOperation conditional when node != conditional.Condition:
                    branches.Add((conditional.Syntax.SpanStart, node == conditional.WhenTrue ? 0 : 1));
                    break;
                case ISwitchCaseOperation section when section.Parent is ISwitchOperation sw:
                    branches.Add((sw.Syntax.SpanStart, sw.Cases.IndexOf(section)));
                    break;
                case ISwitchExpressionArmOperation arm when arm.Parent is ISwitchExpressionOperation sw && node != arm.Guard:
                    branches.Add((sw.Syntax.SpanStart, sw.Arms.IndexOf(arm)));
                    break;
            }
        }
        return branches.ToImmutable();
    }

    /// <summary>True when the site runs only on a relaunch: under a test of <c>UrlSessionBackgroundLaunch.Current</c>, or in a method given the launch.</summary>
    private static bool IsRelaunch(IOperation site, ISymbol? container, INamedTypeSymbol? launch)
    {
        if (launch is null)
            return false;
        if (container is IMethodSymbol method && method.Parameters.Any(p => SymbolEqualityComparer.Default.Equals(p.Type, launch)))
            return true;
        for (IOperation node = site; node.Parent is { } parent; node = parent)
        {
            if (parent is IConditionalOperation conditional && node == conditional.WhenTrue
                && conditional.Condition.DescendantsAndSelf().Any(o => o is IPropertyReferenceOperation { Property.Name: "Current" } current
                    && SymbolEqualityComparer.Default.Equals(current.Property.ContainingType, launch)))
                return true;
        }
        return false;
    }

    private static string Describe(Location location)
    {
        var span = location.GetLineSpan();
        return $"{System.IO.Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }
}

using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Background;

/// <summary>
/// US1005 (needs the whole compilation): the app takes part in background launches (it reads
/// <c>UrlSessionBackgroundLaunch.Current</c>, or sets <c>BackgroundLaunchCommand</c>) but nothing ever calls
/// <c>UrlSessionBackgroundLaunch.Current.CompletionHandler</c>, so the daemon never learns that the launched
/// process finished with its events (Apple's <c>handleEventsForBackgroundURLSession</c> completion handler).
/// Only a call (<c>CompletionHandler()</c>, <c>.Invoke()</c>) or handing the handler on (an argument, a field, a
/// local, a return value: Apple's pattern stores it for later) counts; reading it (<c>is null</c>, <c>_ =</c>) does not.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BackgroundLaunchAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.BackgroundLaunchNotCompleted);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSessionBackgroundLaunch") is not { } launch
                || start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSessionConfiguration") is not { } configuration)
                return;
            var participation = new ConcurrentBag<(Location Where, string What)>();
            int completions = 0;
            start.RegisterOperationAction(c =>
            {
                var property = (IPropertyReferenceOperation)c.Operation;
                if (SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, launch))
                {
                    if (property.Property.Name == "CompletionHandler" && IsCalledOrHandedOn(property))
                        System.Threading.Interlocked.Increment(ref completions);
                    else if (property.Property.Name == "Current")
                        participation.Add((property.Syntax.GetLocation(), "This app reads UrlSessionBackgroundLaunch.Current"));
                }
                else if (property.Property.Name == "BackgroundLaunchCommand" && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, configuration)
                    && property.Parent is ISimpleAssignmentOperation assignment && assignment.Target == property)
                {
                    participation.Add((assignment.Syntax.GetLocation(), "This app sets a BackgroundLaunchCommand"));
                }
            }, OperationKind.PropertyReference);
            start.RegisterCompilationEndAction(end =>
            {
                if (System.Threading.Volatile.Read(ref completions) > 0)
                    return;
                foreach (var (where, what) in participation.OrderBy(p => p.Where.SourceTree?.FilePath).ThenBy(p => p.Where.SourceSpan.Start).Take(1))
                    end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BackgroundLaunchNotCompleted, where, what));
            });
        });
    }

    /// <summary>True when the handler read here is called, or handed to code that can call it later.</summary>
    private static bool IsCalledOrHandedOn(IOperation handler)
    {
        var node = handler;
        while (node.Parent is IConversionOperation or IConditionalAccessOperation or IParenthesizedOperation)
        {
            if (node.Parent is IConditionalAccessOperation access && access.WhenNotNull != node)
                return false;
            node = node.Parent;
        }
        return node.Parent switch
        {
            IInvocationOperation call => call.Instance == node,
            IArgumentOperation or IVariableInitializerOperation or IReturnOperation => true,
            ISimpleAssignmentOperation assignment => assignment.Value == node && assignment.Target is not IDiscardOperation,
            ICoalesceOperation coalesce => coalesce.Value == node,
            _ => false,
        };
    }
}

using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Configuration;

/// <summary>
/// US4003 (information): a <c>UrlCache</c> given a constant disk capacity above zero but under 5 MiB, through its
/// constructor or <c>DiskCapacity</c>. A store keeps nothing over 5% of its capacity, so such a cache silently skips
/// most responses. Zero (no disk store) is deliberate and not reported; neither is a capacity computed at run time.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SmallCacheCapacityAnalyzer : DiagnosticAnalyzer
{
    private const long Threshold = 5L * 1024 * 1024;
    private const long EntryShare = 20;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.SmallCacheCapacity);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlCache") is not { } cache)
                return;
            start.RegisterOperationAction(c =>
            {
                var creation = (IObjectCreationOperation)c.Operation;
                if (!SymbolEqualityComparer.Default.Equals(creation.Constructor?.ContainingType, cache))
                    return;
                foreach (var argument in creation.Arguments)
                {
                    if (argument.Parameter?.Name == "diskCapacity")
                        Check(c, argument.Value);
                }
            }, OperationKind.ObjectCreation);
            start.RegisterOperationAction(c =>
            {
                var assignment = (ISimpleAssignmentOperation)c.Operation;
                if (assignment.Target is IPropertyReferenceOperation { Property.Name: "DiskCapacity" } property
                    && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, cache))
                    Check(c, assignment.Value);
            }, OperationKind.SimpleAssignment);
        });
    }

    private static void Check(OperationAnalysisContext context, IOperation value)
    {
        if (value.ConstantValue is not { HasValue: true, Value: var constant } || constant is null)
            return;
        long capacity;
        try
        {
            capacity = System.Convert.ToInt64(constant, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (System.Exception e) when (e is System.FormatException or System.InvalidCastException or System.OverflowException)
        {
            return;
        }
        if (capacity > 0 && capacity < Threshold)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SmallCacheCapacity, value.Syntax.GetLocation(), capacity, capacity / EntryShare));
    }
}

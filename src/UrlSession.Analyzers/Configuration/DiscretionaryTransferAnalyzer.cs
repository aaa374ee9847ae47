using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Configuration;

/// <summary>US4005 (information): <c>IsDiscretionary = true</c>, which lets the transfers wait behind other work.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DiscretionaryTransferAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.DiscretionaryTransfer);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSessionConfiguration") is not { } configuration)
                return;
            start.RegisterOperationAction(c =>
            {
                var assignment = (ISimpleAssignmentOperation)c.Operation;
                if (assignment.Target is IPropertyReferenceOperation { Property.Name: "IsDiscretionary" } property
                    && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, configuration)
                    && assignment.Value.ConstantValue is { HasValue: true, Value: true })
                    c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DiscretionaryTransfer, assignment.Syntax.GetLocation()));
            }, OperationKind.SimpleAssignment);
        });
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Configuration;

/// <summary>
/// US4001: a configuration is changed after a session was created from it. The session copies its configuration
/// when it is created (Apple's does too), so the change affects nothing. Not reported when the configuration object
/// is replaced in between, or used again to create another session after the change. Also reported: any change
/// made through <c>session.Configuration</c>, whose getter returns a copy
/// (<c>session.Configuration.TimeoutIntervalForRequest = ...</c> changes nothing).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ConfigurationChangedAfterSessionAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ConfigurationChangedAfterSession);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var session = start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession");
            var configuration = start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSessionConfiguration");
            if (session is null || configuration is null)
                return;
            start.RegisterOperationBlockAction(block => Analyze(block, session, configuration));
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, INamedTypeSymbol session, INamedTypeSymbol configuration)
    {
        foreach (var change in context.OperationBlocks.SelectMany(b => b.Descendants()))
        {
            if (ChangedProperty(change, configuration) is { Instance: IPropertyReferenceOperation { Property.Name: "Configuration" } copy } property
                && SymbolEqualityComparer.Default.Equals(copy.Property.ContainingType, session))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ConfigurationChangedAfterSession, change.Syntax.GetLocation(),
                    $"'{copy.Syntax}' returns a copy of the session's configuration", property.Property.Name));
        }
        var creations = new List<(ISymbol Configuration, IOperation At)>();
        foreach (var body in context.OperationBlocks)
        {
            foreach (var creation in body.Descendants().OfType<IObjectCreationOperation>())
            {
                if (SymbolEqualityComparer.Default.Equals(creation.Type, session) && creation.Arguments.Length > 0
                    && creation.Arguments[0].Value.ReferencedSymbol() is { } symbol)
                    creations.Add((symbol, creation));
            }
        }
        if (creations.Count == 0)
            return;
        foreach (var body in context.OperationBlocks)
        {
            foreach (var change in body.Descendants())
            {
                if (Changed(change, configuration) is not { } changed)
                    continue;
                var (symbol, property) = changed;
                var before = creations.LastOrDefault(c => SymbolEqualityComparer.Default.Equals(c.Configuration, symbol) && c.At.RunsBefore(change));
                if (before.At is null || symbol.IsReassignedBetween(before.At, change)
                    || creations.Any(c => SymbolEqualityComparer.Default.Equals(c.Configuration, symbol) && c.At.Syntax.SpanStart > change.Syntax.SpanStart))
                    continue;
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ConfigurationChangedAfterSession, change.Syntax.GetLocation(),
                    $"The session created from '{symbol.Name}' above keeps a copy of the configuration", property));
            }
        }
    }

    /// <summary>A change of a configuration's property (assignment, or a change to its headers or protocol list): the configuration and the property.</summary>
    private static (ISymbol Symbol, string Property)? Changed(IOperation operation, INamedTypeSymbol configuration) =>
        ChangedProperty(operation, configuration) is { } property && property.Instance.ReferencedSymbol() is { } symbol ? (symbol, property.Property.Name) : null;

    /// <summary>The configuration property an operation changes, or null.</summary>
    private static IPropertyReferenceOperation? ChangedProperty(IOperation operation, INamedTypeSymbol configuration)
    {
        IPropertyReferenceOperation? property = operation switch
        {
            IAssignmentOperation { Target: IPropertyReferenceOperation target } => target,
            IInvocationOperation { TargetMethod.Name: "Add" or "Remove" or "Clear" or "TryAdd", Instance: IPropertyReferenceOperation collection } => collection,
            _ => null,
        };
        // configuration.HttpAdditionalHeaders["X"] = ... assigns through the indexer of the collection property.
        if (property is { Arguments.Length: > 0, Instance: IPropertyReferenceOperation owner })
            property = owner;
        return property is not null && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, configuration) ? property : null;
    }
}

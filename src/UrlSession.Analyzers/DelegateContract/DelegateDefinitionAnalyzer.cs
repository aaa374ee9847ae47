using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.DelegateContract;

/// <summary>
/// Explains every <c>[UrlSessionDelegate]</c> class or method the generator skips: class or enclosing type not
/// partial (US2401, US2402), a callback-named method whose signature fits no form (US2403), two methods for one
/// callback (US2404), a type that cannot be a delegate (US2405).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DelegateDefinitionAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.DelegateClassNotPartial, DiagnosticDescriptors.ContainingTypeNotPartial,
        DiagnosticDescriptors.CallbackSignatureMismatch, DiagnosticDescriptors.DuplicateCallback,
        DiagnosticDescriptors.DelegateTypeNotSupported);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types)
                return;
            start.RegisterSymbolAction(symbol => AnalyzeType(symbol, types), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes types)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, types.Attribute)))
            return;
        var declarations = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken)).OfType<TypeDeclarationSyntax>().ToList();
        if (declarations.Count == 0)
            return;
        var identifier = declarations[0].Identifier.GetLocation();

        if (type.IsStatic)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DelegateTypeNotSupported, identifier, type.Name,
                "a static class has no instance to pass to a session; remove 'static'"));
            return;
        }
        if (!declarations.Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DelegateClassNotPartial, identifier, type.Name));
            return;
        }
        for (var outer = declarations[0].Parent as TypeDeclarationSyntax; outer is not null; outer = outer.Parent as TypeDeclarationSyntax)
        {
            if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                // Reported on the delegate class: a symbol analyzer may only report inside the symbol it analyzes.
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial, identifier, outer.Identifier.ValueText, type.Name));
        }

        var answered = new HashSet<int>();
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (method.MethodKind != MethodKind.Ordinary || method.IsImplicitlyDeclared || !CallbackCatalog.IsCallbackName(method.Name)
                || method.Locations.FirstOrDefault() is not { IsInSource: true } location)
                continue;
            if (CallbackMatcher.Match(method, types) is not { } binding)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CallbackSignatureMismatch, location, method.Name, CallbackMatcher.DescribeSignatures(method.Name)));
            else if (!answered.Add(binding.CallbackIndex))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateCallback, location, method.Name));
        }
    }
}

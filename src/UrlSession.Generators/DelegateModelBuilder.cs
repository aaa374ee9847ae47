using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UrlLoading.Roslyn;

namespace UrlLoading.Generators;

/// <summary>Turns an attributed class into a <see cref="DelegateClassModel"/>, or null when it cannot be generated (the analyzer says why).</summary>
internal static class DelegateModelBuilder
{
    public static DelegateClassModel? Build(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
            return null;
        if (!IsPartial(declaration) || type.IsStatic || type.TypeKind != TypeKind.Class)
            return null;
        var containing = new List<ContainingType>();
        for (var outer = declaration.Parent as TypeDeclarationSyntax; outer is not null; outer = outer.Parent as TypeDeclarationSyntax)
        {
            if (!IsPartial(outer))
                return null;
            containing.Insert(0, new ContainingType(KeywordOf(outer), NameOf(outer)));
        }
        if (KnownTypes.Create(context.SemanticModel.Compilation) is not { } types)
            return null;
        // A class that implements the interface by hand, or inherits it, keeps its own implementation.
        if (types.Interface is { } contract && type.AllInterfaces.Contains(contract, SymbolEqualityComparer.Default))
            return null;

        var bindings = ImmutableArray.CreateBuilder<CallbackBinding>();
        var bound = new HashSet<int>();
        foreach (var member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } method && CallbackCatalog.IsCallbackName(method.Name)
                && CallbackMatcher.Match(method, types) is { } binding && bound.Add(binding.CallbackIndex))
                bindings.Add(binding);
        }

        string? ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        string hint = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)
            .WithGenericsOptions(SymbolDisplayGenericsOptions.None)).Replace('<', '_').Replace('>', '_');
        hint = $"{hint}{(type.Arity > 0 ? "`" + type.Arity : "")}.UrlSessionDelegate.g.cs";
        return new DelegateClassModel(ns, new EquatableArray<ContainingType>(containing.ToImmutableArray()), KeywordOf(declaration),
            NameOf(declaration), hint, new EquatableArray<CallbackBinding>(bindings.ToImmutable()));
    }

    public static bool IsPartial(TypeDeclarationSyntax declaration) => declaration.Modifiers.Any(SyntaxKind.PartialKeyword);

    private static string KeywordOf(TypeDeclarationSyntax declaration) => declaration switch
    {
        RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
        _ => declaration.Keyword.ValueText,
    };

    private static string NameOf(TypeDeclarationSyntax declaration) =>
        declaration.TypeParameterList is { } parameters
            ? declaration.Identifier.ValueText + "<" + string.Join(", ", parameters.Parameters.Select(p => p.Identifier.ValueText)) + ">"
            : declaration.Identifier.ValueText;
}

using System.Linq;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UrlLoading.Analyzers;

namespace UrlLoading.CodeFixes.DelegateContract;

/// <summary>Adds the <c>partial</c> modifier the generator needs (US2401 on the delegate class, US2402 on an enclosing type).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix : SyntaxCodeFix
{
    /// <summary>Creates the fix.</summary>
    public MakePartialCodeFix()
        : base(DiagnosticIds.DelegateClassNotPartial, DiagnosticIds.ContainingTypeNotPartial)
    {
    }

    /// <inheritdoc />
    private protected override void Register(CodeFixContext context, SyntaxNode root)
    {
        if (root.FindToken(context.Span.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            // US2401 is about the delegate class itself; US2402 about the types around it.
            var targets = diagnostic.Id == DiagnosticIds.DelegateClassNotPartial
                ? new[] { declaration }
                : declaration.Ancestors().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)).ToArray();
            if (targets.Length == 0)
                continue;
            string names = string.Join("', '", targets.Select(t => t.Identifier.ValueText));
            context.RegisterCodeFix(
                CodeAction.Create($"Make '{names}' partial", ct => AddPartialAsync(context.Document, targets, ct), nameof(MakePartialCodeFix) + diagnostic.Id),
                diagnostic);
        }
    }

    private static async Task<Document> AddPartialAsync(Document document, TypeDeclarationSyntax[] targets, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNodes(targets, (_, rewritten) => AddPartial(rewritten)));
    }

    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        if (declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            return declaration;
        // 'partial' goes last among the modifiers, just before the type keyword, where the language requires it.
        if (declaration.Modifiers.Count == 0)
        {
            var keyword = declaration.Keyword;
            return declaration
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.Space))
                .WithModifiers(SyntaxFactory.TokenList(SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList())));
        }
        return declaration.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
    }
}

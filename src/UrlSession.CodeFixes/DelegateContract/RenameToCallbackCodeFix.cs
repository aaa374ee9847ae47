using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Rename;
using UrlLoading.Analyzers;
using UrlLoading.Analyzers.DelegateContract;

namespace UrlLoading.CodeFixes.DelegateContract;

/// <summary>US2406: renames a near-miss method (and every call of it) to the callback's catalog name.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RenameToCallbackCodeFix)), Shared]
public sealed class RenameToCallbackCodeFix : SyntaxCodeFix
{
    /// <summary>Creates the fix.</summary>
    public RenameToCallbackCodeFix()
        : base(DiagnosticIds.NearMissCallbackName)
    {
    }

    /// <inheritdoc />
    private protected override async Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        if (root.FindToken(context.Span.Start).Parent?.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } declaration
            || await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false) is not { } model
            || model.GetDeclaredSymbol(declaration, context.CancellationToken) is not { } method)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(NearMissCallbackNameAnalyzer.CallbackNameProperty, out var callback) || callback is null)
                continue;
            var solution = context.Document.Project.Solution;
            context.RegisterCodeFix(CodeAction.Create($"Rename to '{callback}'",
                ct => Renamer.RenameSymbolAsync(solution, method, new SymbolRenameOptions(), callback, ct),
                nameof(RenameToCallbackCodeFix)), diagnostic);
        }
    }
}

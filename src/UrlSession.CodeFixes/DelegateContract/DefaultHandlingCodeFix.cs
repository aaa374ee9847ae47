using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UrlLoading.Analyzers;
using UrlLoading.Analyzers.DelegateContract;

namespace UrlLoading.CodeFixes.DelegateContract;

/// <summary>
/// US2103: answers <c>PerformDefaultHandling</c> where the challenge handler cancelled the methods it does not handle.
/// Not offered when the handler looks at the server trust: there the same cancel may be what rejects a pin mismatch,
/// and default handling would accept any certificate the system trusts. A fix never weakens a check.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DefaultHandlingCodeFix)), Shared]
public sealed class DefaultHandlingCodeFix : SyntaxCodeFix
{
    /// <summary>Creates the fix.</summary>
    public DefaultHandlingCodeFix()
        : base(DiagnosticIds.ChallengeFallbackCancels)
    {
    }

    /// <inheritdoc />
    private protected override void Register(CodeFixContext context, SyntaxNode root)
    {
        if (root.FindNode(context.Span, getInnermostNodeForTie: true) is not MemberAccessExpressionSyntax cancel)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.Properties.ContainsKey(ChallengeFallbackAnalyzer.TrustInspectedProperty))
                continue;
            context.RegisterCodeFix(CodeAction.Create("Use PerformDefaultHandling for methods this handler does not handle", _ =>
            {
                var replaced = cancel.WithName(SyntaxFactory.IdentifierName("PerformDefaultHandling").WithTriviaFrom(cancel.Name));
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(cancel, replaced)));
            }, nameof(DefaultHandlingCodeFix)), diagnostic);
        }
    }
}

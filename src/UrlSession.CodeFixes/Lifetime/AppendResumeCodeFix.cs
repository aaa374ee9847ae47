using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UrlLoading.Analyzers;

namespace UrlLoading.CodeFixes.Lifetime;

/// <summary>US3001: appends <c>.Resume()</c> to a task creation whose result was discarded.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AppendResumeCodeFix)), Shared]
public sealed class AppendResumeCodeFix : SyntaxCodeFix
{
    /// <summary>Creates the fix.</summary>
    public AppendResumeCodeFix()
        : base(DiagnosticIds.TaskNeverResumed)
    {
    }

    /// <inheritdoc />
    private protected override void Register(CodeFixContext context, SyntaxNode root)
    {
        // Only the discarded form has an obvious place for the call; a kept task is left to its owner.
        if (root.FindNode(context.Span, getInnermostNodeForTie: true) is not InvocationExpressionSyntax creation
            || creation.Parent is not ExpressionStatementSyntax)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(CodeAction.Create("Call Resume()", _ =>
            {
                var resumed = SyntaxFactory.InvocationExpression(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, creation.WithoutTrivia(), SyntaxFactory.IdentifierName("Resume")))
                    .WithTriviaFrom(creation);
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(creation, resumed)));
            }, nameof(AppendResumeCodeFix)), diagnostic);
        }
    }
}

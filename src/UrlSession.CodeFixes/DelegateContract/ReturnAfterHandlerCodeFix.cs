using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using UrlLoading.Analyzers;

namespace UrlLoading.CodeFixes.DelegateContract;

/// <summary>
/// US2102: puts a <c>return</c> right after each earlier call of the handler that can reach the reported second call,
/// when that earlier call is a statement in a block or the only statement of an <c>if</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReturnAfterHandlerCodeFix)), Shared]
public sealed class ReturnAfterHandlerCodeFix : SyntaxCodeFix
{
    /// <summary>Creates the fix.</summary>
    public ReturnAfterHandlerCodeFix()
        : base(DiagnosticIds.CompletionHandlerCalledTwice)
    {
    }

    /// <inheritdoc />
    private protected override void Register(CodeFixContext context, SyntaxNode root)
    {
        if (root.FindNode(context.Span, getInnermostNodeForTie: true) is not InvocationExpressionSyntax second
            || second.Expression is not IdentifierNameSyntax handler
            || second.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { Body: { } body }
            || body.DescendantNodes().OfType<LocalFunctionStatementSyntax>().Any())
            return;
        // The earlier calls of the same handler, as statements.
        var earlier = body.DescendantNodes().OfType<ExpressionStatementSyntax>()
            .Where(s => s.Expression is InvocationExpressionSyntax { Expression: IdentifierNameSyntax name } call
                && name.Identifier.ValueText == handler.Identifier.ValueText && call.SpanStart < second.SpanStart
                && s.FirstAncestorOrSelf<LambdaExpressionSyntax>() is null)
            .ToList();
        if (earlier.Count == 0)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(CodeAction.Create($"Return after calling '{handler.Identifier.ValueText}'", _ =>
            {
                var tracked = root.TrackNodes(earlier);
                foreach (var statement in earlier)
                {
                    var current = tracked.GetCurrentNode(statement)!;
                    var stop = SyntaxFactory.ReturnStatement().WithAdditionalAnnotations(Formatter.Annotation);
                    tracked = current.Parent is BlockSyntax
                        ? tracked.InsertNodesAfter(current, [stop])
                        : tracked.ReplaceNode(current, SyntaxFactory.Block(current.WithoutTrivia(), stop).WithTriviaFrom(current).WithAdditionalAnnotations(Formatter.Annotation));
                }
                return Task.FromResult(context.Document.WithSyntaxRoot(tracked));
            }, nameof(ReturnAfterHandlerCodeFix)), diagnostic);
        }
    }
}

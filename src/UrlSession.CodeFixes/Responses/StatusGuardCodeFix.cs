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

namespace UrlLoading.CodeFixes.Responses;

/// <summary>
/// US6002: saves the file only when the response is a success (<c>if (task.Response is HttpUrlResponse { StatusCode:
/// &gt;= 200 and &lt; 300 })</c>). Offered when the method has the task parameter to test.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StatusGuardCodeFix)), Shared]
public sealed class StatusGuardCodeFix : SyntaxCodeFix
{
    /// <summary>Creates the fix.</summary>
    public StatusGuardCodeFix()
        : base(DiagnosticIds.DownloadStatusNotChecked)
    {
    }

    /// <inheritdoc />
    private protected override void Register(CodeFixContext context, SyntaxNode root)
    {
        if (root.FindNode(context.Span, getInnermostNodeForTie: true) is not InvocationExpressionSyntax save
            || save.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
            || method.ParameterList.Parameters.FirstOrDefault(p => p.Type is IdentifierNameSyntax { Identifier.ValueText: "UrlSessionDownloadTask" }) is not { } task
            || !(method.ExpressionBody?.Expression == save || save.Parent is ExpressionStatementSyntax))
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(CodeAction.Create("Save only a successful (2xx) response", _ =>
            {
                var condition = SyntaxFactory.ParseExpression($"{task.Identifier.ValueText}.Response is HttpUrlResponse {{ StatusCode: >= 200 and < 300 }}");
                MethodDeclarationSyntax rewritten;
                if (method.ExpressionBody?.Expression == save)
                {
                    var guarded = SyntaxFactory.IfStatement(condition, SyntaxFactory.ExpressionStatement(save.WithoutTrivia()));
                    rewritten = method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(SyntaxFactory.Block(guarded));
                }
                else
                {
                    var statement = (ExpressionStatementSyntax)save.Parent!;
                    rewritten = method.ReplaceNode(statement, SyntaxFactory.IfStatement(condition, statement.WithoutTrivia()).WithTriviaFrom(statement));
                }
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, rewritten.WithAdditionalAnnotations(Formatter.Annotation))));
            }, nameof(StatusGuardCodeFix)), diagnostic);
        }
    }
}

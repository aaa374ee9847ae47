using System.Collections.Generic;
using System.Composition;
using System.Linq;
using System.Threading;
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
/// US2001: when the method moves or copies the temporary file too late (in a lambda, a task or after an
/// <c>await</c>), moves it to the same destination as the first statement of the method, with
/// <c>overwrite: true</c>, and makes the later code use the destination instead of the deleted temporary file.
/// </summary>
/// <remarks>
/// The destination is the one the user already wrote. When the method never moves the file there is nothing to
/// hoist and no fix is offered: only the user can choose where the download belongs.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HoistFileMoveCodeFix)), Shared]
public sealed class HoistFileMoveCodeFix : SyntaxCodeFix
{
    /// <summary>Creates the fix.</summary>
    public HoistFileMoveCodeFix()
        : base(DiagnosticIds.DownloadedFileNotMoved)
    {
    }

    /// <inheritdoc />
    private protected override async Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (model is null
            || root.FindNode(context.Span).FirstAncestorOrSelf<ParameterSyntax>() is not { } parameterSyntax
            || parameterSyntax.Parent?.Parent is not MethodDeclarationSyntax method
            || model.GetDeclaredSymbol(parameterSyntax, context.CancellationToken) is not { } parameter
            || FindLateMove(method, parameter, model, context.CancellationToken) is not { } move)
            return;

        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(CodeAction.Create(
                $"Move '{parameter.Name}' before '{method.Identifier.ValueText}' returns",
                _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, Hoist(method, parameter, move, model)))),
                nameof(HoistFileMoveCodeFix)), diagnostic);
        }
    }

    /// <summary>A <c>File.Move</c> or <c>File.Copy</c> of the parameter that runs too late, with a destination that can run first.</summary>
    private static InvocationExpressionSyntax? FindLateMove(MethodDeclarationSyntax method, IParameterSymbol parameter, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var invocation in method.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol { Name: "Move" or "Copy" } called
                || called.ContainingType.ToDisplayString() != "System.IO.File"
                || invocation.ArgumentList.Arguments.Count < 2
                || !IsReferenceTo(invocation.ArgumentList.Arguments[0].Expression, parameter, model, cancellationToken)
                || invocation.Parent is not (ExpressionStatementSyntax or LambdaExpressionSyntax))
                continue;
            if (invocation.ArgumentList.Arguments.Skip(1).All(argument => RunsAtMethodStart(argument.Expression, method, model, cancellationToken)))
                return invocation;
        }
        return null;
    }

    /// <summary>True when the expression reads nothing declared inside the method body (its locals or lambda parameters).</summary>
    private static bool RunsAtMethodStart(ExpressionSyntax expression, MethodDeclarationSyntax method, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var name in expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
        {
            var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
            if (symbol is ILocalSymbol or IRangeVariableSymbol)
                return false;
            if (symbol is IParameterSymbol { ContainingSymbol: var owner } && owner is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
                return false;
        }
        return !expression.DescendantNodesAndSelf().OfType<AwaitExpressionSyntax>().Any();
    }

    private static bool IsReferenceTo(ExpressionSyntax expression, IParameterSymbol parameter, SemanticModel model, CancellationToken cancellationToken) =>
        expression is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(expression, cancellationToken).Symbol, parameter);

    private static MethodDeclarationSyntax Hoist(MethodDeclarationSyntax method, IParameterSymbol parameter, InvocationExpressionSyntax move, SemanticModel model)
    {
        var destinationName = UniqueName(model, method, "destination");
        var destination = SyntaxFactory.IdentifierName(destinationName);
        var arguments = move.ArgumentList.Arguments;
        var hoisted = new List<StatementSyntax>
        {
            SyntaxFactory.ParseStatement($"var {destinationName} = {arguments[1].Expression.WithoutTrivia()};").WithTrailingTrivia(SyntaxFactory.ElasticMarker),
            SyntaxFactory.ExpressionStatement(move.WithoutTrivia().WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[]
            {
                arguments[0].WithoutTrivia(),
                SyntaxFactory.Argument(destination),
                SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression)).WithNameColon(SyntaxFactory.NameColon("overwrite")),
            })))),
        };

        // The late move itself goes; every later use of the temporary path reads the destination instead.
        var laterUses = method.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Where(name => !move.Span.Contains(name.Span) && name.Identifier.ValueText == parameter.Name
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name).Symbol, parameter));
        var rewritten = method.ReplaceNodes(
            laterUses.Cast<SyntaxNode>().Append(move.Parent!),
            (original, current) => original == move.Parent
                ? original is LambdaExpressionSyntax lambda ? EmptyBody(lambda) : SyntaxFactory.EmptyStatement().WithAdditionalAnnotations(RemoveMe)
                : destination.WithTriviaFrom(current));
        rewritten = rewritten.RemoveNodes(rewritten.DescendantNodes().Where(n => n.HasAnnotation(RemoveMe) && n.Parent is BlockSyntax), SyntaxRemoveOptions.KeepNoTrivia)!;

        var body = rewritten.Body ?? SyntaxFactory.Block(
            SyntaxFactory.ExpressionStatement(rewritten.ExpressionBody!.Expression));
        body = body.WithStatements(body.Statements.InsertRange(0, hoisted));
        return rewritten.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body)
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    private static readonly SyntaxAnnotation RemoveMe = new();

    private static LambdaExpressionSyntax EmptyBody(LambdaExpressionSyntax lambda) =>
        lambda.WithExpressionBody(null).WithBlock(SyntaxFactory.Block());

    private static string UniqueName(SemanticModel model, MethodDeclarationSyntax method, string name)
    {
        var taken = new HashSet<string>(model.LookupSymbols(method.SpanStart).Select(s => s.Name));
        foreach (var local in method.DescendantNodes().OfType<VariableDeclaratorSyntax>())
            taken.Add(local.Identifier.ValueText);
        foreach (var parameter in method.ParameterList.Parameters)
            taken.Add(parameter.Identifier.ValueText);
        var candidate = name;
        for (var i = 2; taken.Contains(candidate); i++)
            candidate = name + i;
        return candidate;
    }
}

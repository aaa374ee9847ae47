using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace UrlLoading.CodeFixes;

/// <summary>
/// The frame every code fix of this package shares: the rule IDs it answers, Fix All in batches, and the document's
/// syntax root, in which the fix finds the reported node and registers its actions.
/// </summary>
public abstract class SyntaxCodeFix : CodeFixProvider
{
    private protected SyntaxCodeFix(params string[] diagnosticIds) => FixableDiagnosticIds = ImmutableArray.Create(diagnosticIds);

    /// <inheritdoc />
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is not null)
            await RegisterAsync(context, root).ConfigureAwait(false);
    }

    /// <summary>Registers the fix's actions for the diagnostics of <paramref name="context"/>; for fixes that need more than syntax (a semantic model).</summary>
    private protected virtual Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        Register(context, root);
        return Task.CompletedTask;
    }

    /// <summary>Registers the fix's actions for the diagnostics of <paramref name="context"/>.</summary>
    private protected virtual void Register(CodeFixContext context, SyntaxNode root)
    {
    }
}

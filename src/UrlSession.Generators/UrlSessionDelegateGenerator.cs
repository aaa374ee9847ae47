using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UrlLoading.Roslyn;

namespace UrlLoading.Generators;

/// <summary>
/// Implements <c>IUrlSessionDelegate</c> for every <c>[UrlSessionDelegate] partial class</c>: a constant callbacks
/// bitmask and direct calls to the user's methods. Reports nothing itself; the analyzers explain skipped classes.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class UrlSessionDelegateGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var delegates = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                CallbackCatalog.AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (ctx, ct) => DelegateModelBuilder.Build(ctx, ct))
            .WithTrackingName(TrackingNames.DelegateClasses)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.ValidDelegateClasses);

        context.RegisterSourceOutput(delegates, static (output, model) => output.AddSource(model.HintName, DelegateEmitter.Emit(model)));
    }
}

using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers;

/// <summary>Small IOperation and symbol lookups that several rules share.</summary>
internal static class OperationExtensions
{
    /// <summary><c>UrlSessionConfiguration.Background(string)</c>, or null when the runtime is not referenced.</summary>
    public static IMethodSymbol? BackgroundFactory(this Compilation compilation) =>
        compilation.GetTypeByMetadataName("UrlLoading.UrlSessionConfiguration")?.GetMembers("Background").OfType<IMethodSymbol>().FirstOrDefault();

    /// <summary>The top of the operation tree: the body the operation belongs to.</summary>
    public static IOperation Root(this IOperation operation)
    {
        while (operation.Parent is not null)
            operation = operation.Parent;
        return operation;
    }

    /// <summary>The value a local was initialized with in the same body, without conversions; null when it has none.</summary>
    public static IOperation? Initializer(this ILocalReferenceOperation reference) =>
        reference.Root().DescendantsAndSelf().OfType<IVariableDeclaratorOperation>()
            .FirstOrDefault(d => SymbolEqualityComparer.Default.Equals(d.Symbol, reference.Local))?.Initializer?.Value.WithoutConversions();

    public static IOperation WithoutConversions(this IOperation operation)
    {
        while (operation is IConversionOperation conversion)
            operation = conversion.Operand;
        return operation;
    }
}

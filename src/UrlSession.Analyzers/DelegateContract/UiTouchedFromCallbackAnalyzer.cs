using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.DelegateContract;

/// <summary>
/// US2202 (information): a delegate callback uses a UI object (Windows Forms, WPF, WinUI, MAUI or Avalonia) directly.
/// Callbacks run on the session's delegate queue: a private serial queue unless the session was created with
/// <c>DelegateQueue.FromSynchronizationContext</c>, which cannot be seen from the delegate class, hence information.
/// Code in lambdas (usually the dispatch itself) is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UiTouchedFromCallbackAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableArray<string> s_uiRoots = ImmutableArray.Create(
        "System.Windows.Forms.Control", "System.Windows.DependencyObject", "Microsoft.UI.Xaml.DependencyObject",
        "Microsoft.Maui.Controls.BindableObject", "Avalonia.AvaloniaObject");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.UiTouchedFromCallback);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types)
                return;
            var roots = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
            foreach (var name in s_uiRoots)
            {
                if (start.Compilation.GetTypeByMetadataName(name) is { } root)
                    roots.Add(root);
            }
            if (roots.Count == 0)
                return; // no UI framework referenced: nothing to find
            var uiRoots = roots.ToImmutable();
            start.RegisterOperationBlockStartAction(block =>
            {
                if (block.OwningSymbol is IMethodSymbol method && method.CallbackBinding(types) is not null)
                    block.RegisterOperationAction(c => Analyze(c, method, uiRoots), OperationKind.PropertyReference, OperationKind.Invocation);
            });
        });
    }

    private static void Analyze(OperationAnalysisContext context, IMethodSymbol callback, ImmutableArray<INamedTypeSymbol> roots)
    {
        var instance = context.Operation switch
        {
            IPropertyReferenceOperation property => property.Instance,
            IInvocationOperation call => call.Instance,
            _ => null,
        };
        if (instance is null || instance.Type is not INamedTypeSymbol type || context.Operation.IsInsideFunction() || !IsUi(type, roots))
            return;
        // Report once per expression chain: on the member used on the UI object, not again on the object's own reference.
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UiTouchedFromCallback, context.Operation.Syntax.GetLocation(), instance.Syntax.ToString(), callback.Name));
    }

    private static bool IsUi(INamedTypeSymbol? type, ImmutableArray<INamedTypeSymbol> roots)
    {
        for (; type is not null; type = type.BaseType)
        {
            foreach (var root in roots)
            {
                if (SymbolEqualityComparer.Default.Equals(type, root))
                    return true;
            }
        }
        return false;
    }
}

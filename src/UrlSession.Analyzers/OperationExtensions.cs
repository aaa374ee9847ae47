using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

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

    /// <summary>How a method of a <c>[UrlSessionDelegate]</c> class answers a callback, or null when it answers none.</summary>
    public static CallbackBinding? CallbackBinding(this IMethodSymbol method, KnownTypes types) =>
        method.ContainingType is { } type && type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, types.Attribute))
            ? CallbackMatcher.Match(method, types)
            : null;

    /// <summary>True inside a lambda or local function of the body (code that runs at another time).</summary>
    public static bool IsInsideFunction(this IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
                return true;
        }
        return false;
    }

    /// <summary>The symbol a simple reference names (local, parameter, field or property), or null.</summary>
    public static ISymbol? ReferencedSymbol(this IOperation? operation) => operation?.WithoutConversions() switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation field => field.Field,
        IPropertyReferenceOperation { Arguments.Length: 0 } property => property.Property,
        _ => null,
    };

    /// <summary>
    /// True when <paramref name="earlier"/> runs before <paramref name="later"/> once, in straight order: the earlier one
    /// comes first in the text, neither is in a lambda, and no loop holds both (a loop may run the later one first).
    /// </summary>
    public static bool RunsBefore(this IOperation earlier, IOperation later)
    {
        if (earlier.Syntax.SpanStart >= later.Syntax.SpanStart || earlier.IsInsideFunction() || later.IsInsideFunction())
            return false;
        for (var parent = later.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is ILoopOperation loop && loop.Syntax.Span.Contains(earlier.Syntax.Span))
                return false;
        }
        // The earlier one must run whenever the later one does: not in a branch (if, ?:, switch case, catch) the later one is outside of.
        for (IOperation node = earlier; node.Parent is { } parent; node = parent)
        {
            bool branch = parent switch
            {
                IConditionalOperation conditional => node != conditional.Condition,
                ISwitchCaseOperation or ICatchClauseOperation => true,
                IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } binary => node == binary.RightOperand,
                ICoalesceOperation coalesce => node == coalesce.WhenNull,
                _ => false,
            };
            if (branch && !node.Syntax.Span.Contains(later.Syntax.Span))
                return false;
        }
        return true;
    }

    /// <summary>True when the body assigns a new value to <paramref name="symbol"/> between the two operations.</summary>
    public static bool IsReassignedBetween(this ISymbol symbol, IOperation from, IOperation to)
    {
        foreach (var assignment in from.Root().Descendants().OfType<IAssignmentOperation>())
        {
            int at = assignment.Syntax.SpanStart;
            if (at > from.Syntax.SpanStart && at < to.Syntax.SpanStart && SymbolEqualityComparer.Default.Equals(assignment.Target.ReferencedSymbol(), symbol))
                return true;
        }
        return false;
    }

    /// <summary>
    /// The value an expression stands for, looking through conversions, locals initialized in the same body, and
    /// fields or properties that get exactly one value in their own type (declared in this file, and not settable from
    /// outside it): <c>private readonly UrlSession _session = new(...)</c>, one constructor assignment, a get-only
    /// property returning such a field, or <c>Lazy&lt;T&gt;.Value</c> of such a field. The expression itself when it
    /// cannot tell.
    /// </summary>
    public static IOperation ValueOf(this IOperation value, int depth = 3)
    {
        value = value.WithoutConversions();
        if (depth == 0)
            return value;
        switch (value)
        {
            case ILocalReferenceOperation local when local.Initializer() is { } initializer:
                return initializer.ValueOf(depth - 1);
            case IPropertyReferenceOperation { Property.Name: "Value", Instance: { } lazy } when lazy.Type is INamedTypeSymbol { Name: "Lazy", IsGenericType: true }:
                return lazy.ValueOf(depth - 1) is IObjectCreationOperation { Arguments: [{ Value: var factory }, ..] } && LambdaResult(factory) is { } result
                    ? result.ValueOf(depth - 1)
                    : value;
            case IFieldReferenceOperation or IPropertyReferenceOperation { Arguments.Length: 0 } when value.SemanticModel is { } model
                && value.ReferencedSymbol() is { } member && SingleValue(member, model) is { } assigned:
                return assigned.ValueOf(depth - 1);
            default:
                return value;
        }
    }

    private static IOperation? LambdaResult(IOperation factory)
    {
        factory = factory.WithoutConversions();
        if (factory is IDelegateCreationOperation creation)
            factory = creation.Target.WithoutConversions();
        return factory is IAnonymousFunctionOperation { Body.Operations: [IReturnOperation { ReturnedValue: { } result }] } ? result : null;
    }

    /// <summary>The one value a field or property gets in its own type, in the tree <paramref name="model"/> covers; null when it has more or may be set elsewhere.</summary>
    private static IOperation? SingleValue(ISymbol member, SemanticModel model)
    {
        bool closed = member switch
        {
            IFieldSymbol field => field.IsReadOnly || field.DeclaredAccessibility == Accessibility.Private,
            IPropertySymbol property => property.SetMethod is null || property.SetMethod.IsInitOnly || property.SetMethod.DeclaredAccessibility == Accessibility.Private,
            _ => false,
        };
        var type = member.ContainingType;
        if (!closed || type is null || type.DeclaringSyntaxReferences.Any(r => r.SyntaxTree != model.SyntaxTree))
            return null;
        var values = new System.Collections.Generic.List<SyntaxNode>();
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax())
            {
                case VariableDeclaratorSyntax { Initializer.Value: var initial }:
                    values.Add(initial);
                    break;
                case PropertyDeclarationSyntax { Initializer.Value: var initial }:
                    values.Add(initial);
                    break;
                case PropertyDeclarationSyntax { ExpressionBody.Expression: var body }:
                    values.Add(body);
                    break;
                case PropertyDeclarationSyntax { AccessorList: { } accessors } when accessors.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null):
                    return null;
            }
        }
        foreach (var declaration in type.DeclaringSyntaxReferences)
        {
            foreach (var assignment in declaration.GetSyntax().DescendantNodes().OfType<AssignmentExpressionSyntax>())
            {
                if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(assignment.Left).Symbol, member))
                    values.Add(assignment.Kind() == SyntaxKind.SimpleAssignmentExpression ? assignment.Right : assignment);
            }
        }
        return values.Count == 1 && values[0].SyntaxTree == model.SyntaxTree ? model.GetOperation(values[0]) : null;
    }

    public static IOperation WithoutConversions(this IOperation operation)
    {
        while (operation is IConversionOperation conversion)
            operation = conversion.Operand;
        return operation;
    }
}

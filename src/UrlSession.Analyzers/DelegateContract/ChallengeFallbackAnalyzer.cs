using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.DelegateContract;

/// <summary>
/// US2103: a <c>DidReceiveChallenge</c> method looks at <c>ProtectionSpace.AuthenticationMethod</c> (so it handles
/// some methods) and answers <c>CancelAuthenticationChallenge</c> in its fallback: the challenges it does not handle
/// are cancelled instead of getting the system's default handling. A cancel the handler means is not reported: one
/// guarded by a look at the server trust (a pin mismatch, a failed evaluation) or at <c>PreviousFailureCount</c>, or
/// one inside the branch of a method it recognises (<c>method == ServerTrust</c>, a <c>case</c>, or the code after
/// <c>if (method != X) return ...;</c>). A method that never looks at the authentication method cancels on purpose.
/// When the method looks at the server trust anywhere, the diagnostic says the fix must not be applied blindly
/// (<see cref="TrustInspectedProperty"/>): replacing the cancel there could turn a pin mismatch into default handling.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ChallengeFallbackAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property set when the handler inspects the server trust: the code fix then offers nothing.</summary>
    public const string TrustInspectedProperty = "TrustInspected";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ChallengeFallbackCancels);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types || start.Compilation.GetTypeByMetadataName("UrlLoading.ServerTrust") is not { } trust)
                return;
            start.RegisterOperationBlockAction(block => Analyze(block, types, trust));
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, KnownTypes types, INamedTypeSymbol trust)
    {
        if (context.OwningSymbol is not IMethodSymbol { Name: "DidReceiveChallenge" } method || method.CallbackBinding(types) is null)
            return;
        var operations = context.OperationBlocks.SelectMany(b => b.Descendants()).ToList();
        if (!operations.Any(IsAuthenticationMethod))
            return;
        bool trustInspected = operations.Any(o => InspectsTrust(o, trust));
        var properties = trustInspected ? ImmutableDictionary<string, string?>.Empty.Add(TrustInspectedProperty, "true") : ImmutableDictionary<string, string?>.Empty;
        foreach (var cancel in operations.OfType<IFieldReferenceOperation>())
        {
            if (cancel.Field is { Name: "CancelAuthenticationChallenge", ContainingType.Name: "AuthChallengeDisposition" } && !cancel.IsInsideFunction()
                && !IsDeliberate(cancel, trust))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ChallengeFallbackCancels, cancel.Syntax.GetLocation(), properties, method.Name));
        }
    }

    /// <summary>
    /// True when the cancel answers a case the handler recognises, not its fallback: a branch that looked at the trust or
    /// the failure count, the true arm of <c>method == X</c>, a <c>case X</c>, or code after <c>if (method != X) return</c>.
    /// </summary>
    private static bool IsDeliberate(IOperation cancel, INamedTypeSymbol trust)
    {
        for (IOperation node = cancel; node.Parent is { } parent; node = parent)
        {
            switch (parent)
            {
                case IConditionalOperation conditional when node != conditional.Condition:
                    bool whenTrue = node == conditional.WhenTrue;
                    if (Guards(conditional.Condition, trust) || NamesMethod(conditional.Condition, whenTrue))
                        return true;
                    break;
                case ISwitchCaseOperation section when section.Clauses.Any(c => c is ISingleValueCaseClauseOperation or IPatternCaseClauseOperation { Pattern: not IDiscardPatternOperation })
                                                    && section.Parent is ISwitchOperation { Value: var value } && IsAuthenticationMethod(value):
                    return true;
                case ISwitchExpressionArmOperation arm when arm.Pattern is not IDiscardPatternOperation
                                                         && arm.Parent is ISwitchExpressionOperation { Value: var value } && IsAuthenticationMethod(value):
                    return true;
                case IBlockOperation block when FollowsMethodGuard(block, node):
                    return true;
            }
        }
        return false;
    }

    /// <summary>True when a statement before <paramref name="statement"/> in the block leaves for every method but one: <c>if (method != X) return ...;</c>.</summary>
    private static bool FollowsMethodGuard(IBlockOperation block, IOperation statement)
    {
        foreach (var earlier in block.Operations)
        {
            if (earlier == statement)
                return false;
            if (earlier is IConditionalOperation { WhenFalse: null } guard && NamesMethod(guard.Condition, whenTrue: false) && Exits(guard.WhenTrue))
                return true;
        }
        return false;
    }

    private static bool Exits(IOperation branch) => branch is IReturnOperation or IThrowOperation
        || (branch is IBlockOperation { Operations: { Length: > 0 } statements } && statements[statements.Length - 1] is IReturnOperation or IThrowOperation);

    /// <summary>True when the condition, taken as <paramref name="whenTrue"/>, means "the method is this one": <c>m == X</c> (true), <c>m != X</c> (false).</summary>
    private static bool NamesMethod(IOperation condition, bool whenTrue)
    {
        condition = condition.WithoutConversions();
        switch (condition)
        {
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } comparison
                when IsAuthenticationMethod(comparison.LeftOperand) || IsAuthenticationMethod(comparison.RightOperand):
                return (comparison.OperatorKind == BinaryOperatorKind.Equals) == whenTrue;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } both when whenTrue:
                return NamesMethod(both.LeftOperand, true) || NamesMethod(both.RightOperand, true);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } either when !whenTrue:
                return NamesMethod(either.LeftOperand, false) || NamesMethod(either.RightOperand, false);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return NamesMethod(not.Operand, !whenTrue);
            case IIsPatternOperation { Pattern: var pattern } test when IsAuthenticationMethod(test.Value):
                return pattern is INegatedPatternOperation ? !whenTrue : whenTrue;
            case IInvocationOperation { TargetMethod.Name: "Equals" } equals when equals.Arguments.Any(a => IsAuthenticationMethod(a.Value)) || (equals.Instance is { } instance && IsAuthenticationMethod(instance)):
                return whenTrue;
            default:
                return false;
        }
    }

    /// <summary>True when the condition looks at the server trust or at how often the challenge failed.</summary>
    private static bool Guards(IOperation condition, INamedTypeSymbol trust) =>
        condition.DescendantsAndSelf().Any(o => InspectsTrust(o, trust) || o is IPropertyReferenceOperation { Property.Name: "PreviousFailureCount" });

    private static bool InspectsTrust(IOperation operation, INamedTypeSymbol trust) => operation switch
    {
        IPropertyReferenceOperation property => SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, trust),
        IInvocationOperation call => SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, trust),
        // A pinning helper: the trust (or the challenge) handed to a method other than UrlCredential.ForTrust.
        IArgumentOperation { Value: var value, Parent: IInvocationOperation { TargetMethod.Name: not "ForTrust" } } =>
            SymbolEqualityComparer.Default.Equals(value.WithoutConversions().Type, trust),
        _ => false,
    };

    /// <summary>The authentication method, read directly or through a local initialized from it.</summary>
    private static bool IsAuthenticationMethod(IOperation operation) => operation.WithoutConversions() switch
    {
        IPropertyReferenceOperation { Property.Name: "AuthenticationMethod" } => true,
        ILocalReferenceOperation local => local.Initializer() is IPropertyReferenceOperation { Property.Name: "AuthenticationMethod" },
        _ => false,
    };
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Security;

/// <summary>
/// US5001: any server certificate is accepted. Reports a certificate validation callback that returns <c>true</c>
/// on every path (<c>ServerCertificateCustomValidationCallback</c>, <c>RemoteCertificateValidationCallback</c>,
/// <c>ServicePointManager.ServerCertificateValidationCallback</c> assigned or added with <c>+=</c>, or passed where
/// one is expected), written as a lambda, a method group of this file, or returned by a factory method of this file;
/// "every path" includes conditions that are always true (<c>errors == None || true</c>). Also reported: a callback
/// that accepts a name mismatch (<c>errors == RemoteCertificateNameMismatch</c>, masking it off) or any self-signed
/// certificate (<c>X509ChainStatusFlags.UntrustedRoot</c>) without pinning the certificate, and every use of
/// <c>HttpClientHandler.DangerousAcceptAnyServerCertificateValidator</c>. A callback that looks at its arguments
/// otherwise (pinning, a known thumbprint, <c>errors == None</c>) is not reported. In a delegate's <c>DidReceiveChallenge</c>, a
/// <c>UrlCredential.ForTrust(...)</c> answer is reported when the method never looks at the trust (its certificate,
/// chain, fingerprint, policy errors, or <c>Evaluate()</c>): Apple's <c>URLCredential(trust:)</c> misuse.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ServerTrustAcceptedAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> s_callbackProperties = ImmutableHashSet.Create(
        "ServerCertificateCustomValidationCallback", "RemoteCertificateValidationCallback", "ServerCertificateValidationCallback");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ServerTrustAcceptedWithoutEvaluation);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession") is null)
                return;
            var validationCallback = start.Compilation.GetTypeByMetadataName("System.Net.Security.RemoteCertificateValidationCallback");
            var handler = start.Compilation.GetTypeByMetadataName("System.Net.Http.HttpClientHandler");
            start.RegisterOperationAction(AnalyzeAssignment, OperationKind.SimpleAssignment, OperationKind.CompoundAssignment);
            start.RegisterOperationAction(c => AnalyzeArgument(c, validationCallback), OperationKind.Argument);
            start.RegisterOperationAction(c => AnalyzeDangerousValidator(c, handler), OperationKind.PropertyReference);
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.ServerTrust") is { } serverTrust)
                start.RegisterOperationBlockAction(block => AnalyzeTrustAnswer(block, serverTrust));
        });
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context)
    {
        var assignment = (IAssignmentOperation)context.Operation;
        if (assignment is ISimpleAssignmentOperation or ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add }
            && assignment.Target is IPropertyReferenceOperation { Property.Name: var name } && s_callbackProperties.Contains(name))
            ReportCallback(context, assignment.Value);
    }

    private static void AnalyzeArgument(OperationAnalysisContext context, INamedTypeSymbol? validationCallback)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (validationCallback is not null && SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, validationCallback))
            ReportCallback(context, argument.Value);
    }

    private static void ReportCallback(OperationAnalysisContext context, IOperation value)
    {
        if (Accepts(value, followFactory: true) is { } found)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ServerTrustAcceptedWithoutEvaluation, found.At.Syntax.GetLocation(), found.What));
    }

    private static void AnalyzeDangerousValidator(OperationAnalysisContext context, INamedTypeSymbol? handler)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name == "DangerousAcceptAnyServerCertificateValidator" && SymbolEqualityComparer.Default.Equals(reference.Property.ContainingType, handler))
            Report(context, reference, "'HttpClientHandler.DangerousAcceptAnyServerCertificateValidator' accepts every server certificate without evaluating it");
    }

    private static void AnalyzeTrustAnswer(OperationBlockAnalysisContext context, INamedTypeSymbol serverTrust)
    {
        if (context.OwningSymbol is not IMethodSymbol { Name: "DidReceiveChallenge" })
            return;
        var operations = context.OperationBlocks.SelectMany(b => b.Descendants()).ToList();
        bool inspects = operations.Any(o =>
            (o is IPropertyReferenceOperation property && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, serverTrust))
            || (o is IInvocationOperation call && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, serverTrust))
            || (o is IArgumentOperation { Value.Type: var type } argument && SymbolEqualityComparer.Default.Equals(type, serverTrust) && argument.Parent is IInvocationOperation { TargetMethod.Name: not "ForTrust" }));
        if (inspects)
            return;
        foreach (var accept in operations.OfType<IInvocationOperation>().Where(c => c.TargetMethod is { Name: "ForTrust", ContainingType.Name: "UrlCredential" }))
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ServerTrustAcceptedWithoutEvaluation, accept.Syntax.GetLocation(), "Answering the server trust challenge with UrlCredential.ForTrust accepts every server certificate without evaluating it"));
    }

    private static void Report(OperationAnalysisContext context, IOperation at, string what) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ServerTrustAcceptedWithoutEvaluation, at.Syntax.GetLocation(), what));

    private const string Everything = "This certificate validation callback accepts every server certificate without evaluating it";
    private const string NameMismatch = "This certificate validation callback accepts a certificate issued for another host (RemoteCertificateNameMismatch)";
    private const string SelfSigned = "This certificate validation callback accepts any self-signed certificate (UntrustedRoot) without pinning it";

    /// <summary>
    /// Where and how a callback value accepts what it must not: a lambda, a method group of this file, or (one level) the
    /// result of a factory method of this file. Null when it checks, or when its code cannot be seen.
    /// </summary>
    private static (IOperation At, string What)? Accepts(IOperation value, bool followFactory)
    {
        var unwrapped = value.WithoutConversions();
        if (unwrapped is IDelegateCreationOperation creation)
            unwrapped = creation.Target.WithoutConversions();
        switch (unwrapped)
        {
            case IAnonymousFunctionOperation lambda:
                return Judge(lambda.Body, lambda) is { } what ? (lambda, what) : null;
            case IMethodReferenceOperation group when Body(group.Method, group.SemanticModel) is { } body:
                return Judge(body, body) is { } found ? (group, found) : null;
            case IInvocationOperation factory when followFactory && Body(factory.TargetMethod, factory.SemanticModel) is { } body:
                var returns = Returns(body, body).ToList();
                return returns.Count > 0 && returns.All(r => r.ReturnedValue is { } v && Accepts(v, followFactory: false) is not null)
                    ? (factory, Accepts(returns[0].ReturnedValue!, followFactory: false)!.Value.What)
                    : null;
            default:
                return null;
        }
    }

    /// <summary>What a callback's code accepts wrongly, or null.</summary>
    private static string? Judge(IOperation body, IOperation function)
    {
        var returns = Returns(body, function).ToList();
        if (returns.Count > 0 && returns.All(r => r.ReturnedValue is { } v && AlwaysTrue(v)))
            return Everything;
        var code = body.DescendantsAndSelf().ToList();
        if (code.Any(IsPinCheck))
            return null;
        foreach (var operation in code)
        {
            if (operation is IFieldReferenceOperation { Field: { HasConstantValue: true } field } && LeadsToAccept(operation, function))
            {
                if (field is { Name: "RemoteCertificateNameMismatch", ContainingType.Name: "SslPolicyErrors" })
                    return NameMismatch;
                if (field is { Name: "UntrustedRoot", ContainingType.Name: "X509ChainStatusFlags" })
                    return SelfSigned;
            }
        }
        return null;
    }

    /// <summary>
    /// True when the constant takes part in saying yes: compared with <c>==</c> or <c>HasFlag</c> (or masked off with
    /// <c>~</c>) in a returned value or in the condition of an <c>if</c> that returns <c>true</c>.
    /// </summary>
    private static bool LeadsToAccept(IOperation constant, IOperation function)
    {
        IOperation node = constant.Parent is IConversionOperation conversion ? conversion : constant;
        bool accepting = node.Parent switch
        {
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } => true,
            IUnaryOperation { OperatorKind: UnaryOperatorKind.BitwiseNegation } => true,
            IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "HasFlag" } } => true,
            _ => false,
        };
        if (!accepting)
            return false;
        for (; node.Parent is { } parent && node != function; node = parent)
        {
            if (parent is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not })
                return false;
            if (parent is IReturnOperation && !InsideNestedFunction(parent, function))
                return true;
            if (parent is IConditionalOperation conditional && node == conditional.Condition)
                return conditional.WhenTrue.DescendantsAndSelf().OfType<IReturnOperation>().Any(r => r.ReturnedValue is { } v && AlwaysTrue(v));
        }
        return false;
    }

    /// <summary>A look at the certificate itself: its hash, thumbprint, raw bytes, public key or serial number, or an equality with a known one.</summary>
    private static bool IsPinCheck(IOperation operation) => operation switch
    {
        IInvocationOperation { TargetMethod.Name: "GetCertHashString" or "GetCertHash" or "GetRawCertData" or "GetPublicKey" or "GetPublicKeyString" or "Equals" or "SequenceEqual" or "GetSerialNumberString" } => true,
        IPropertyReferenceOperation { Property.Name: "Thumbprint" or "RawData" or "PublicKey" or "SerialNumber" or "Sha256Fingerprint" } => true,
        _ => false,
    };

    /// <summary>True for a value that is <c>true</c> whatever the inputs: the constant, or <c>a || true</c>, <c>true &amp;&amp; true</c>.</summary>
    private static bool AlwaysTrue(IOperation value)
    {
        value = value.WithoutConversions();
        if (value.ConstantValue is { HasValue: true, Value: true })
            return true;
        return value is IBinaryOperation binary && binary.OperatorKind switch
        {
            BinaryOperatorKind.ConditionalOr or BinaryOperatorKind.Or => AlwaysTrue(binary.LeftOperand) || AlwaysTrue(binary.RightOperand),
            BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.And => AlwaysTrue(binary.LeftOperand) && AlwaysTrue(binary.RightOperand),
            _ => false,
        };
    }

    private static IEnumerable<IReturnOperation> Returns(IOperation body, IOperation function) =>
        body.DescendantsAndSelf().OfType<IReturnOperation>().Where(r => !InsideNestedFunction(r, function));

    /// <summary>The body of a method declared in the file of <paramref name="model"/>, or null.</summary>
    private static IOperation? Body(IMethodSymbol method, SemanticModel? model)
    {
        if (model is null)
            return null;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == model.SyntaxTree && model.GetOperation(reference.GetSyntax()) is IMethodBodyOperation body)
                return (IOperation?)body.BlockBody ?? body.ExpressionBody;
        }
        return null;
    }

    private static bool InsideNestedFunction(IOperation operation, IOperation outer)
    {
        for (var parent = operation.Parent; parent is not null && parent != outer; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
                return true;
        }
        return false;
    }
}

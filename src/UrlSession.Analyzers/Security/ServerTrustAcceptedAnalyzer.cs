using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Security;

/// <summary>
/// US5001: any server certificate is accepted. Reports a certificate validation callback that returns <c>true</c>
/// on every path (<c>ServerCertificateCustomValidationCallback</c>, <c>RemoteCertificateValidationCallback</c>,
/// <c>ServicePointManager.ServerCertificateValidationCallback</c>, or passed where one is expected) and every use of
/// <c>HttpClientHandler.DangerousAcceptAnyServerCertificateValidator</c>. A callback that looks at its arguments
/// (pinning, a known thumbprint, the policy errors) is not reported. In a delegate's <c>DidReceiveChallenge</c>, a
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
            start.RegisterOperationAction(AnalyzeAssignment, OperationKind.SimpleAssignment);
            start.RegisterOperationAction(c => AnalyzeArgument(c, validationCallback), OperationKind.Argument);
            start.RegisterOperationAction(c => AnalyzeDangerousValidator(c, handler), OperationKind.PropertyReference);
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.ServerTrust") is { } serverTrust)
                start.RegisterOperationBlockAction(block => AnalyzeTrustAnswer(block, serverTrust));
        });
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is IPropertyReferenceOperation { Property.Name: var name } && s_callbackProperties.Contains(name) && AcceptsEverything(assignment.Value) is { } callback)
            Report(context, callback, "This certificate validation callback");
    }

    private static void AnalyzeArgument(OperationAnalysisContext context, INamedTypeSymbol? validationCallback)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (validationCallback is not null && SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, validationCallback) && AcceptsEverything(argument.Value) is { } callback)
            Report(context, callback, "This certificate validation callback");
    }

    private static void AnalyzeDangerousValidator(OperationAnalysisContext context, INamedTypeSymbol? handler)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name == "DangerousAcceptAnyServerCertificateValidator" && SymbolEqualityComparer.Default.Equals(reference.Property.ContainingType, handler))
            Report(context, reference, "'HttpClientHandler.DangerousAcceptAnyServerCertificateValidator'");
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
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ServerTrustAcceptedWithoutEvaluation, accept.Syntax.GetLocation(), "Answering the server trust challenge with UrlCredential.ForTrust"));
    }

    private static void Report(OperationAnalysisContext context, IOperation at, string what) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ServerTrustAcceptedWithoutEvaluation, at.Syntax.GetLocation(), what));

    /// <summary>The lambda when it returns the constant <c>true</c> on every path; null otherwise.</summary>
    private static IAnonymousFunctionOperation? AcceptsEverything(IOperation value)
    {
        var unwrapped = value.WithoutConversions();
        if (unwrapped is IDelegateCreationOperation creation)
            unwrapped = creation.Target.WithoutConversions();
        if (unwrapped is not IAnonymousFunctionOperation lambda)
            return null;
        var returns = lambda.Body.Descendants().OfType<IReturnOperation>().Where(r => !InsideNestedFunction(r, lambda)).ToList();
        return returns.Count > 0 && returns.All(r => r.ReturnedValue?.ConstantValue is { HasValue: true, Value: true }) ? lambda : null;
    }

    private static bool InsideNestedFunction(IOperation operation, IAnonymousFunctionOperation outer)
    {
        for (var parent = operation.Parent; parent is not null && parent != outer; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
                return true;
        }
        return false;
    }
}

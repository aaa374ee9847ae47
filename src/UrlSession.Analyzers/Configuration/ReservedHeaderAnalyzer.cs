using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Configuration;

/// <summary>
/// US4002: a header the loading system manages (Apple's reserved list: <c>Authorization</c> and
/// <c>Content-Length</c> in <c>HttpAdditionalHeaders</c>, and <c>Connection</c>, <c>Host</c>,
/// <c>Transfer-Encoding</c>, <c>Proxy-Authenticate</c>, <c>Proxy-Authorization</c>, <c>WWW-Authenticate</c>
/// anywhere) is set through <c>HttpAdditionalHeaders</c> (indexer, <c>Add</c>, or a dictionary assigned to it with
/// a collection or object initializer) or <c>UrlRequest.WithHeader</c> with a constant name. On one request
/// <c>Content-Length</c> is reported only when the request visibly has an <c>HttpBody</c> (which gives the length): a
/// streamed upload must send it (Apple: "you must provide Content-Type and Content-Length"), or the body goes chunked.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReservedHeaderAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, string> s_reserved = ImmutableDictionary.CreateRange(StringComparer.OrdinalIgnoreCase, new[]
    {
        Pair("Connection", "the session manages its connections (see HttpMaximumConnectionsPerHost)"),
        Pair("Host", "it comes from the request's URL"),
        Pair("Transfer-Encoding", "the session chooses the body's framing"),
        Pair("Proxy-Authenticate", "it is a response header"),
        Pair("WWW-Authenticate", "it is a response header"),
        Pair("Proxy-Authorization", "answer the proxy's challenge in DidReceiveChallenge or store a credential in UrlCredentialStorage"),
    });

    private const string ContentLength = "Content-Length";

    private const string SessionContentLength = "one length for every request of the session is wrong for all but one; it comes from each request's body (set it on a streamed upload's request, whose length only you know)";

    private const string BodyContentLength = "it comes from the request's HttpBody";

    private const string SessionAuthorization = "a session-wide Authorization header is sent to every host, including after redirects; answer DidReceiveChallenge, store a credential in UrlCredentialStorage, or set it on the one request that needs it";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ReservedHeader);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var configuration = start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSessionConfiguration");
            var request = start.Compilation.GetTypeByMetadataName("UrlLoading.UrlRequest");
            if (configuration is null || request is null)
                return;
            start.RegisterOperationAction(c => Analyze(c, configuration, request), OperationKind.Invocation, OperationKind.PropertyReference);
            start.RegisterOperationAction(c => AnalyzeInitializer(c, configuration), OperationKind.SimpleAssignment);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol configuration, INamedTypeSymbol request)
    {
        IOperation? name = null;
        bool sessionWide = false;
        switch (context.Operation)
        {
            // request.WithHeader("Host", ...)
            case IInvocationOperation { TargetMethod.Name: "WithHeader" } call when SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, request) && call.Arguments.Length >= 1:
                name = call.Arguments[0].Value;
                break;
            // configuration.HttpAdditionalHeaders.Add("Host", ...) and configuration.HttpAdditionalHeaders["Host"] = ...
            case IInvocationOperation { TargetMethod.Name: "Add" or "TryAdd" } add when IsAdditionalHeaders(add.Instance, configuration) && add.Arguments.Length >= 1:
                name = add.Arguments[0].Value;
                sessionWide = true;
                break;
            case IPropertyReferenceOperation { Arguments.Length: 1 } indexer when IsAdditionalHeaders(indexer.Instance, configuration) && indexer.Parent is ISimpleAssignmentOperation assignment && assignment.Target == indexer:
                name = indexer.Arguments[0].Value;
                sessionWide = true;
                break;
        }
        if (name is not null && Reason(name, sessionWide, context.Operation) is { } found)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ReservedHeader, name.Syntax.GetLocation(), found.Header, found.Why));
    }

    /// <summary><c>HttpAdditionalHeaders = new Dictionary&lt;string, string&gt; { ["Authorization"] = ..., { "Host", ... } }</c>.</summary>
    private static void AnalyzeInitializer(OperationAnalysisContext context, INamedTypeSymbol configuration)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (!IsAdditionalHeaders(assignment.Target, configuration)
            || assignment.Value.WithoutConversions() is not IObjectCreationOperation { Initializer: { } initializer })
            return;
        foreach (var element in initializer.Initializers)
        {
            var name = element switch
            {
                ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Arguments.Length: 1 } indexer } => indexer.Arguments[0].Value,
                IInvocationOperation { TargetMethod.Name: "Add", Arguments.Length: >= 1 } add => add.Arguments[0].Value,
                _ => null,
            };
            if (name is not null && Reason(name, sessionWide: true, element) is { } found)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ReservedHeader, name.Syntax.GetLocation(), found.Header, found.Why));
        }
    }

    /// <summary>The header and why it must not be set here, or null when it may be.</summary>
    private static (string Header, string Why)? Reason(IOperation name, bool sessionWide, IOperation at)
    {
        if (name.ConstantValue is not { HasValue: true, Value: string header })
            return null;
        if (s_reserved.TryGetValue(header, out var why))
            return (header, why);
        if (string.Equals(header, ContentLength, StringComparison.OrdinalIgnoreCase))
            return sessionWide ? (header, SessionContentLength) : HasBody(at) ? (header, BodyContentLength) : null;
        return sessionWide && string.Equals(header, "Authorization", StringComparison.OrdinalIgnoreCase) ? (header, SessionAuthorization) : null;
    }

    /// <summary>True when the request of <c>request.WithHeader(...)</c> was created, in the same expression or local, with an <c>HttpBody</c>.</summary>
    private static bool HasBody(IOperation withHeader)
    {
        var request = (withHeader as IInvocationOperation)?.Instance;
        while (request is not null)
        {
            request = request.WithoutConversions();
            switch (request)
            {
                case IInvocationOperation { TargetMethod.Name: "WithHeader" or "WithoutHeader" } earlier:
                    request = earlier.Instance;
                    break;
                case ILocalReferenceOperation local:
                    request = local.Initializer();
                    break;
                case IObjectCreationOperation { Initializer: { } initializer }:
                    return initializer.Initializers.Any(i => i is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "HttpBody" } });
                default:
                    return false;
            }
        }
        return false;
    }

    private static bool IsAdditionalHeaders(IOperation? instance, INamedTypeSymbol configuration) =>
        instance?.WithoutConversions() is IPropertyReferenceOperation { Property.Name: "HttpAdditionalHeaders" } property
        && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, configuration);

    private static System.Collections.Generic.KeyValuePair<string, string> Pair(string name, string why) => new(name, why);
}

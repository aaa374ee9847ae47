using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Configuration;

/// <summary>
/// US4002: a header the loading system manages (Apple's reserved list: <c>Authorization</c> in
/// <c>HttpAdditionalHeaders</c>, and <c>Connection</c>, <c>Host</c>, <c>Content-Length</c>,
/// <c>Transfer-Encoding</c>, <c>Proxy-Authenticate</c>, <c>Proxy-Authorization</c>, <c>WWW-Authenticate</c>
/// anywhere) is set through <c>HttpAdditionalHeaders</c> or <c>UrlRequest.WithHeader</c> with a constant name.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReservedHeaderAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, string> s_reserved = ImmutableDictionary.CreateRange(StringComparer.OrdinalIgnoreCase, new[]
    {
        Pair("Connection", "the session manages its connections (see HttpMaximumConnectionsPerHost)"),
        Pair("Host", "it comes from the request's URL"),
        Pair("Content-Length", "it comes from the body (HttpBody, the upload file or stream)"),
        Pair("Transfer-Encoding", "the session chooses the body's framing"),
        Pair("Proxy-Authenticate", "it is a response header"),
        Pair("WWW-Authenticate", "it is a response header"),
        Pair("Proxy-Authorization", "answer the proxy's challenge in DidReceiveChallenge or store a credential in UrlCredentialStorage"),
    });

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
        if (name?.ConstantValue is not { HasValue: true, Value: string header })
            return;
        if (s_reserved.TryGetValue(header, out var why) || (sessionWide && string.Equals(header, "Authorization", StringComparison.OrdinalIgnoreCase) && (why = SessionAuthorization) is not null))
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ReservedHeader, name.Syntax.GetLocation(), header, why));
    }

    private static bool IsAdditionalHeaders(IOperation? instance, INamedTypeSymbol configuration) =>
        instance?.WithoutConversions() is IPropertyReferenceOperation { Property.Name: "HttpAdditionalHeaders" } property
        && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, configuration);

    private static System.Collections.Generic.KeyValuePair<string, string> Pair(string name, string why) => new(name, why);
}

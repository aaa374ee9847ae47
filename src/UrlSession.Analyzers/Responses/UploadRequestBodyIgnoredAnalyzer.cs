using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Responses;

/// <summary>
/// US2302 (information): the request given to <c>UploadTask(request, file)</c> or <c>UploadTask(request, bytes)</c>
/// sets <c>HttpBody</c> or <c>HttpBodyStream</c> (in its initializer, or in the initializer of the local it comes
/// from). The upload task sends its file or bytes and ignores the request's body, as Apple's does.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UploadRequestBodyIgnoredAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.UploadRequestBodyIgnored);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession") is not { } session)
                return;
            start.RegisterOperationAction(c => Analyze(c, session), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session)
    {
        var call = (IInvocationOperation)context.Operation;
        if (call.TargetMethod.Name is not ("UploadTask" or "UploadAsync") || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, session)
            || call.Arguments.Length < 2 || call.Arguments[1].IsImplicit || call.Arguments[1].Parameter?.Type is INamedTypeSymbol { Name: "Action" } or INamedTypeSymbol { Name: "CancellationToken" })
            return;
        var request = call.Arguments[0].Value.WithoutConversions();
        if (request is ILocalReferenceOperation local)
            request = local.Initializer() ?? request;
        if (request is not IObjectCreationOperation { Initializer: { } initializer })
            return;
        var body = initializer.Initializers.OfType<ISimpleAssignmentOperation>()
            .FirstOrDefault(a => a.Target is IPropertyReferenceOperation { Property.Name: "HttpBody" or "HttpBodyStream" });
        if (body is not null)
        {
            string sends = call.Arguments[1].Value.Type?.SpecialType == SpecialType.System_String ? "the file" : "the bytes you pass it";
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UploadRequestBodyIgnored, body.Syntax.GetLocation(), ((IPropertyReferenceOperation)body.Target).Property.Name, sends));
        }
    }
}

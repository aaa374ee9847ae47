using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Background;

/// <summary>
/// US1002: a completion-handler or async convenience method on a background session. US1003: a data task, or a
/// data or stream upload, on a background session. Both throw at run time on every call. The session is known to be a
/// background one when it was created from <c>UrlSessionConfiguration.Background(...)</c> and reaches the call through
/// locals, or through a field or property that gets only that value in its own type (the seed's
/// <c>self.backgroundSession</c>: a readonly field, a constructor assignment, a get-only property, a
/// <c>Lazy&lt;UrlSession&gt;</c>); anything else is unknown and not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BackgroundSessionApiAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.ConvenienceApiOnBackgroundSession, DiagnosticDescriptors.DataTaskOnBackgroundSession);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var session = start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession");
            var background = start.Compilation.BackgroundFactory();
            if (session is null || background is null)
                return;
            start.RegisterOperationAction(operation => Analyze(operation, session, background), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session, IMethodSymbol background)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, session) || invocation.Instance is null)
            return;
        var descriptor = Classify(method);
        if (descriptor is null || !IsBackgroundSession(invocation.Instance, background))
            return;
        context.ReportDiagnostic(Diagnostic.Create(descriptor, invocation.Syntax.GetLocation(), method.Name));
    }

    private static DiagnosticDescriptor? Classify(IMethodSymbol method)
    {
        bool hasHandler = method.Parameters.Any(p => p.Type is INamedTypeSymbol { Name: "Action", IsGenericType: true });
        return method.Name switch
        {
            "DataAsync" or "DownloadAsync" or "UploadAsync" => DiagnosticDescriptors.ConvenienceApiOnBackgroundSession,
            "DownloadTask" or "UploadTask" when hasHandler => DiagnosticDescriptors.ConvenienceApiOnBackgroundSession,
            "DataTask" => DiagnosticDescriptors.DataTaskOnBackgroundSession,
            // Only a file upload can run in the background service: bytes and streams live in the app's memory.
            "UploadTask" when !method.Parameters.Any(p => p.Type.SpecialType == SpecialType.System_String) => DiagnosticDescriptors.DataTaskOnBackgroundSession,
            _ => null,
        };
    }

    private static bool IsBackgroundSession(IOperation receiver, IMethodSymbol background) =>
        receiver.ValueOf() is IObjectCreationOperation { Arguments.Length: > 0 } creation
        && creation.Arguments[0].Value.ValueOf() is IInvocationOperation call
        && SymbolEqualityComparer.Default.Equals(call.TargetMethod, background);
}

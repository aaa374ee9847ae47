using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.DelegateContract;

/// <summary>
/// US2301: <c>UploadTask(streamedRequest)</c> on a session whose delegate (seen where the session was created in the
/// same method) has no <c>NeedNewBodyStream</c> callback, or that has no delegate at all. The session asks the
/// delegate for the body on every send (and again on 307/308 and authentication retries), so it refuses such a task
/// at the call.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StreamedUploadAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.StreamedUploadWithoutBodyStream);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types)
                return;
            start.RegisterOperationAction(c => Analyze(c, types), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownTypes types)
    {
        var call = (IInvocationOperation)context.Operation;
        if (call.TargetMethod is not { Name: "UploadTask", Parameters.Length: 1 } || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, types.Session)
            || call.Instance?.WithoutConversions() is not ILocalReferenceOperation session
            || session.Initializer() is not IObjectCreationOperation creation)
            return;
        bool answers = creation.Arguments.Length >= 2 && !creation.Arguments[1].IsImplicit
            && DelegateType(creation.Arguments[1].Value) is var type
            && (type is null || type.GetMembers("NeedNewBodyStream").OfType<IMethodSymbol>().Any(m => m.CallbackBinding(types) is not null) || !HasAttribute(type, types));
        if (!answers)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.StreamedUploadWithoutBodyStream, call.Syntax.GetLocation(), session.Local.Name));
    }

    /// <summary>The delegate's class when the argument makes it right there (<c>new Uploads()</c>); null when unknown.</summary>
    private static INamedTypeSymbol? DelegateType(IOperation argument) =>
        argument.WithoutConversions() is IObjectCreationOperation { Type: INamedTypeSymbol type } ? type : null;

    private static bool HasAttribute(INamedTypeSymbol type, KnownTypes types) =>
        type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, types.Attribute));
}

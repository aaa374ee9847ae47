using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UrlLoading.Analyzers.Lifetime;

/// <summary>
/// US3004: a <c>UrlSession</c> or <c>HttpClient</c> is created per request. Each brings its own connection pool, so
/// nothing is reused: every request pays a new connection (and TLS handshake), and closed sockets pile up in
/// TIME_WAIT. Three forms: created inside a loop (also in a lambda written in the loop); inside a lambda run for every
/// item (<c>Select</c>, <c>ForEach</c>, <c>Parallel.ForEachAsync</c>, the lambdas handed to <c>Task.WhenAll</c>); or
/// in a method that makes exactly one request with it and then disposes it (<c>using var client = new
/// HttpClient()</c> in <c>GetAsync(url)</c>), so every call makes a new one; not when the session is built from the
/// method's parameters (a configuration, delegate or handler the caller passes: a new one per call is then the
/// point). A background session made for one download counts too, without the disposal. <c>Main</c>, top-level statements and test methods run once and are not
/// reported in the third form.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SessionPerIterationAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> s_perItem = ImmutableHashSet.Create(
        "Select", "SelectMany", "ForEach", "ForEachAsync", "For", "ConvertAll");

    private static readonly ImmutableHashSet<string> s_requests = ImmutableHashSet.Create(
        "DataAsync", "DownloadAsync", "UploadAsync", "DataTask", "DownloadTask", "UploadTask",
        "GetAsync", "GetStringAsync", "GetByteArrayAsync", "GetStreamAsync", "PostAsync", "PutAsync", "PatchAsync",
        "DeleteAsync", "SendAsync", "Send", "GetFromJsonAsync", "PostAsJsonAsync", "PutAsJsonAsync", "PatchAsJsonAsync", "DeleteFromJsonAsync");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.SessionPerIteration);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("UrlLoading.UrlSession") is not { } session || start.Compilation.BackgroundFactory() is not { } background)
                return;
            var client = start.Compilation.GetTypeByMetadataName("System.Net.Http.HttpClient");
            start.RegisterOperationAction(c => Analyze(c, session, client, background), OperationKind.ObjectCreation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol session, INamedTypeSymbol? client, IMethodSymbol background)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, session) && !SymbolEqualityComparer.Default.Equals(creation.Type, client))
            return;
        string type = creation.Type!.Name;
        if (Repeats(creation) is { } repeated)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SessionPerIteration, creation.Syntax.GetLocation(), $"A new {type} is created {repeated}"));
            return;
        }
        bool isBackground = creation.Arguments.Length > 0 && creation.Arguments[0].Value.ValueOf() is IInvocationOperation call
            && SymbolEqualityComparer.Default.Equals(call.TargetMethod, background);
        if (context.ContainingSymbol is IMethodSymbol method && RunsMoreThanOnce(method) && SingleRequest(creation, requireDisposal: !isBackground) is { } request)
        {
            string what = isBackground ? $"A new background UrlSession is created for the single {request} of '{method.Name}'" : $"A new {type} is created for the single {request} of '{method.Name}'";
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SessionPerIteration, creation.Syntax.GetLocation(), what + ", on every call"));
        }
    }

    /// <summary>How the creation repeats ("on every iteration", "for every item of 'Select'"), or null when it runs once.</summary>
    private static string? Repeats(IOperation creation)
    {
        for (IOperation node = creation; node.Parent is { } parent; node = parent)
        {
            switch (parent)
            {
                case ILocalFunctionOperation:
                    return null;
                case ILoopOperation loop when node != (loop as IForEachLoopOperation)?.Collection:
                    return "on every iteration";
                case IAnonymousFunctionOperation lambda when PerItemCall(lambda) is { } name:
                    return $"for every item of '{name}'";
            }
        }
        return null;
    }

    /// <summary>The call that runs the lambda once per item (<c>Select</c>, <c>ForEach</c>, ...), or null.</summary>
    private static string? PerItemCall(IAnonymousFunctionOperation lambda)
    {
        IOperation node = lambda;
        while (node.Parent is IDelegateCreationOperation or IConversionOperation)
            node = node.Parent;
        return node.Parent is IArgumentOperation { Parent: IInvocationOperation call } && s_perItem.Contains(call.TargetMethod.Name) ? call.TargetMethod.Name : null;
    }

    private static bool RunsMoreThanOnce(IMethodSymbol method) =>
        method.MethodKind == MethodKind.Ordinary
        && method.Name is not ("Main" or "<Main>$")
        && !method.GetAttributes().Any(a => a.AttributeClass?.Name is { } name && (name.Contains("Fact") || name.Contains("Theory") || name.Contains("Test")));

    /// <summary>
    /// The one request made with a session or client held in a local that stays in the method (disposed there when
    /// <paramref name="requireDisposal"/>): "request" or "download"; null otherwise.
    /// </summary>
    private static string? SingleRequest(IObjectCreationOperation creation, bool requireDisposal)
    {
        IOperation node = creation;
        while (node.Parent is IConversionOperation)
            node = node.Parent;
        if (node.Parent is not IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator })
            return null;
        bool disposed = declarator.Parent?.Parent is IUsingDeclarationOperation or IUsingOperation || declarator.Parent?.Parent?.Parent is IUsingDeclarationOperation or IUsingOperation;
        int requests = 0;
        string kind = "request";
        IOperation? request = null;
        foreach (var reference in declarator.Root().Descendants().OfType<ILocalReferenceOperation>().Where(r => SymbolEqualityComparer.Default.Equals(r.Local, declarator.Symbol)))
        {
            switch (reference.Parent)
            {
                case IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync" or "FinishTasksAndInvalidate" or "InvalidateAndCancel" } call when call.Instance == reference:
                    disposed = true;
                    break;
                case IInvocationOperation call when call.Instance == reference && s_requests.Contains(call.TargetMethod.Name) && !reference.IsInsideFunction():
                    requests++;
                    request = call;
                    kind = call.TargetMethod.Name.StartsWith("Download", System.StringComparison.Ordinal) ? "download" : "request";
                    for (var parent = call.Parent; parent is not null; parent = parent.Parent)
                    {
                        if (parent is ILoopOperation)
                            return null;
                    }
                    break;
                case IInvocationOperation call when call.Instance == reference:
                case IPropertyReferenceOperation:
                    break;
                default:
                    return null; // passed, returned or stored: it outlives the call
            }
        }
        // A background session is one per identifier whatever the caller passes, so parameters do not excuse it.
        if (requests != 1 || !(disposed || !requireDisposal) || (requireDisposal && ShapedByParameters(declarator.Root(), request!)))
            return null;
        return kind;
    }

    /// <summary>
    /// True when a parameter is used before the request, outside it: the session is built from what the caller passes
    /// (its configuration, delegate or handler), so a new one per call is the point, as in a test helper.
    /// </summary>
    private static bool ShapedByParameters(IOperation body, IOperation request) =>
        body.Descendants().OfType<IParameterReferenceOperation>().Any(p =>
            p.Syntax.SpanStart < request.Syntax.SpanStart && !request.Syntax.Span.Contains(p.Syntax.Span));
}

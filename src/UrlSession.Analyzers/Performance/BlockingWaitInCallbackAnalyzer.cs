using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.Performance;

/// <summary>
/// US7001: a delegate callback blocks its thread (<c>Task.Wait</c>, <c>.Result</c>, <c>GetAwaiter().GetResult()</c>,
/// <c>Thread.Sleep</c>, <c>SemaphoreSlim.Wait</c>, <c>WaitHandle.WaitOne</c>). A session runs its callbacks one at a
/// time and the transfer waits for each, so a blocked callback stalls the task and the whole session, and deadlocks
/// when what it waits for needs the same delegate queue.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingWaitInCallbackAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.BlockingWaitInCallback);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types)
                return;
            var blocking = new Blocking(start.Compilation);
            start.RegisterOperationBlockStartAction(block =>
            {
                if (block.OwningSymbol is not IMethodSymbol method || method.CallbackBinding(types) is null)
                    return;
                block.RegisterOperationAction(operation => Analyze(operation, method, blocking), OperationKind.Invocation, OperationKind.PropertyReference);
            });
        });
    }

    private static void Analyze(OperationAnalysisContext context, IMethodSymbol callback, Blocking blocking)
    {
        if (context.Operation.IsInsideFunction() || blocking.Describe(context.Operation) is not { } what)
            return;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BlockingWaitInCallback, context.Operation.Syntax.GetLocation(), what, callback.Name));
    }

    /// <summary>The blocking members, resolved once per compilation.</summary>
    private sealed class Blocking(Compilation compilation)
    {
        private readonly INamedTypeSymbol? _task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        private readonly INamedTypeSymbol? _taskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        private readonly INamedTypeSymbol? _valueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        private readonly INamedTypeSymbol? _taskAwaiter = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.TaskAwaiter");
        private readonly INamedTypeSymbol? _taskAwaiterOfT = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.TaskAwaiter`1");
        private readonly INamedTypeSymbol? _valueTaskAwaiter = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ValueTaskAwaiter`1");
        private readonly INamedTypeSymbol? _thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        private readonly INamedTypeSymbol? _semaphore = compilation.GetTypeByMetadataName("System.Threading.SemaphoreSlim");
        private readonly INamedTypeSymbol? _waitHandle = compilation.GetTypeByMetadataName("System.Threading.WaitHandle");

        public string? Describe(IOperation operation) => operation switch
        {
            IPropertyReferenceOperation { Property.Name: "Result" } p when Is(p.Property.ContainingType, _taskOfT, _valueTaskOfT) => "'.Result'",
            IInvocationOperation { TargetMethod: var m } when m.Name is "Wait" or "WaitAll" or "WaitAny" && Is(m.ContainingType, _task, _taskOfT, _semaphore) => $"'{m.ContainingType.Name}.{m.Name}'",
            IInvocationOperation { TargetMethod: var m } when m.Name == "GetResult" && Is(m.ContainingType, _taskAwaiter, _taskAwaiterOfT, _valueTaskAwaiter) => "'GetAwaiter().GetResult()'",
            IInvocationOperation { TargetMethod: var m } when m.Name == "Sleep" && Is(m.ContainingType, _thread) => "'Thread.Sleep'",
            IInvocationOperation { TargetMethod: var m } when m.Name is "WaitOne" or "WaitAll" or "WaitAny" && InheritsFrom(m.ContainingType, _waitHandle) => $"'{m.Name}'",
            _ => null,
        };

        private static bool Is(INamedTypeSymbol type, params INamedTypeSymbol?[] candidates)
        {
            foreach (var candidate in candidates)
            {
                if (candidate is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, candidate))
                    return true;
            }
            return false;
        }

        private static bool InheritsFrom(INamedTypeSymbol? type, INamedTypeSymbol? root)
        {
            for (; type is not null && root is not null; type = type.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(type, root))
                    return true;
            }
            return false;
        }
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using UrlLoading.Roslyn;

namespace UrlLoading.Analyzers.DelegateContract;

/// <summary>
/// US2101 and US2102, on the control-flow graph of a callback written in the completion-handler form
/// (<c>void DidReceiveResponse(UrlResponse response, Action&lt;ResponseDisposition&gt; completionHandler)</c>): the task
/// waits until the handler is called, so a path that returns without calling it stalls the task (US2101), and a
/// path that calls it twice gives a second answer the session ignores (US2102). A path that hands the handler on
/// (stores it, passes it, captures it in a lambda) is its new owner's business and counts as calling it. Paths that
/// end by throwing are not reported. The value-returning forms need no rule: the compiler already demands a value on
/// every path.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CompletionHandlerAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, string> s_defaultAnswers = ImmutableDictionary.CreateRange(new Dictionary<string, string>
    {
        ["DidReceiveChallenge"] = "(AuthChallengeDisposition.PerformDefaultHandling, null)",
        ["DidReceiveResponse"] = "ResponseDisposition.Allow",
        ["WillPerformHttpRedirection"] = "the proposed request",
        ["WillCacheResponse"] = "the proposed response",
        ["WillBeginDelayedRequest"] = "(DelayedRequestDisposition.ContinueLoading, null)",
        ["NeedNewBodyStream"] = "a new stream",
    });

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.CompletionHandlerNotCalled, DiagnosticDescriptors.CompletionHandlerCalledTwice);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types)
                return;
            start.RegisterOperationBlockAction(block => Analyze(block, types));
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, KnownTypes types)
    {
        if (context.OwningSymbol is not IMethodSymbol method || method.CallbackBinding(types) is not { Form: ReturnForm.CompletionHandler } binding)
            return;
        int handlerIndex = binding.Arguments.ToList().IndexOf(-1);
        if (handlerIndex < 0 || handlerIndex >= method.Parameters.Length)
            return;
        var handler = method.Parameters[handlerIndex];
        var root = context.OperationBlocks.FirstOrDefault(b => b is IMethodBodyOperation or IBlockOperation);
        if (root is null)
            return;
        var graph = context.GetControlFlowGraph(root);
        var blocks = graph.Blocks;
        var calls = new List<IInvocationOperation>[blocks.Length];
        var handsOn = new bool[blocks.Length];
        for (int i = 0; i < blocks.Length; i++)
            (calls[i], handsOn[i]) = Inspect(blocks[i], handler);

        // US2101: a way from the entry to the exit that neither calls nor hands on the handler.
        if (Reaches(blocks, blocks[0].Ordinal, target: blocks.Length - 1, stopAt: i => calls[i].Count > 0 || handsOn[i]))
        {
            s_defaultAnswers.TryGetValue(method.Name, out var answer);
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CompletionHandlerNotCalled, method.Locations[0], method.Name, handler.Name, answer ?? "its default answer"));
        }

        // US2102: after a call, another call can still come.
        var reported = new HashSet<IOperation>();
        for (int i = 0; i < blocks.Length; i++)
        {
            if (calls[i].Count == 0)
                continue;
            foreach (var second in calls[i].Skip(1))
                Report(second);
            foreach (int j in Successors(blocks[i]))
            {
                foreach (int k in ReachableFrom(blocks, j))
                {
                    if (calls[k].Count > 0)
                        Report(calls[k][0]);
                }
            }
        }

        void Report(IInvocationOperation call)
        {
            if (reported.Add(call))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CompletionHandlerCalledTwice, call.Syntax.GetLocation(), handler.Name));
        }
    }

    /// <summary>The handler's calls in a block, and whether the block hands the handler to other code.</summary>
    private static (List<IInvocationOperation> Calls, bool HandsOn) Inspect(BasicBlock block, IParameterSymbol handler)
    {
        var calls = new List<IInvocationOperation>();
        bool handsOn = false;
        var roots = block.BranchValue is null ? block.Operations : block.Operations.Add(block.BranchValue);
        foreach (var operation in roots.SelectMany(r => r.DescendantsAndSelf()))
        {
            switch (operation)
            {
                case IParameterReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Parameter, handler):
                    if (reference.Parent is IInvocationOperation { TargetMethod.Name: "Invoke" } call && call.Instance == reference)
                        calls.Add(call);
                    else
                        handsOn = true;
                    break;
                case IFlowAnonymousFunctionOperation lambda when lambda.Syntax.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == handler.Name):
                    handsOn = true;
                    break;
            }
        }
        return (calls, handsOn);
    }

    private static IEnumerable<int> Successors(BasicBlock block)
    {
        if (block.FallThroughSuccessor?.Destination is { } next)
            yield return next.Ordinal;
        if (block.ConditionalSuccessor?.Destination is { } branch)
            yield return branch.Ordinal;
    }

    private static bool Reaches(ImmutableArray<BasicBlock> blocks, int from, int target, System.Func<int, bool> stopAt)
    {
        var seen = new bool[blocks.Length];
        var work = new Stack<int>();
        work.Push(from);
        while (work.Count > 0)
        {
            int i = work.Pop();
            if (seen[i])
                continue;
            seen[i] = true;
            if (i == target)
                return true;
            if (stopAt(i))
                continue;
            foreach (int next in Successors(blocks[i]))
                work.Push(next);
        }
        return false;
    }

    private static IEnumerable<int> ReachableFrom(ImmutableArray<BasicBlock> blocks, int from)
    {
        var seen = new bool[blocks.Length];
        var work = new Stack<int>();
        work.Push(from);
        while (work.Count > 0)
        {
            int i = work.Pop();
            if (seen[i])
                continue;
            seen[i] = true;
            yield return i;
            foreach (int next in Successors(blocks[i]))
                work.Push(next);
        }
    }
}

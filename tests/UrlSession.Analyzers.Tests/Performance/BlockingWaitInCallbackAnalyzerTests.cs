using Verify = UrlLoading.Analyzers.Tests.Verifier<UrlLoading.Analyzers.Performance.BlockingWaitInCallbackAnalyzer>;

namespace UrlLoading.Analyzers.Tests.Performance;

public sealed class BlockingWaitInCallbackAnalyzerTests
{
    private static string Delegate(string members) => $$"""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using UrlLoading;

        [UrlSessionDelegate]
        partial class Waiter
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly ManualResetEvent _ready = new(false);
            private static Task<string> LookUpAsync() => Task.FromResult("x");
        {{members}}
        }
        """;

    [Theory]
    [InlineData("void DidReceiveData(ReadOnlyMemory<byte> data) { var name = {|#0:LookUpAsync().Result|}; }", "'.Result'")]
    [InlineData("void DidReceiveData(ReadOnlyMemory<byte> data) => {|#0:LookUpAsync().Wait()|};", "'Task.Wait'")]
    [InlineData("void DidReceiveData(ReadOnlyMemory<byte> data) => {|#0:LookUpAsync().GetAwaiter().GetResult()|};", "'GetAwaiter().GetResult()'")]
    [InlineData("void DidReceiveData(ReadOnlyMemory<byte> data) => {|#0:Thread.Sleep(10)|};", "'Thread.Sleep'")]
    [InlineData("void DidReceiveData(ReadOnlyMemory<byte> data) => {|#0:_gate.Wait()|};", "'SemaphoreSlim.Wait'")]
    [InlineData("void DidCompleteWithError(UrlError? error) => {|#0:_ready.WaitOne()|};", "'WaitOne'")]
    public Task A_blocking_wait_in_a_callback_is_reported_where_it_blocks(string method, string what) =>
        Verify.AnalyzeAsync(Delegate(method), Verify.Diagnostic("US7001").WithLocation(0).WithArguments(what, method.Contains("DidReceiveData", StringComparison.Ordinal) ? "DidReceiveData" : "DidCompleteWithError"));

    [Theory]
    [InlineData("async ValueTask DidReceiveData(ReadOnlyMemory<byte> data) { var name = await LookUpAsync(); await _gate.WaitAsync(); }")]
    [InlineData("void DidReceiveData(ReadOnlyMemory<byte> data) => Task.Run(() => Thread.Sleep(10));")]
    [InlineData("void Helper() { LookUpAsync().Wait(); }")]
    [InlineData("void DidReceiveData(ReadOnlyMemory<byte> data) { var done = Task.CompletedTask; _ = done.IsCompleted; }")]
    public Task Awaiting_waits_in_lambdas_and_non_callbacks_are_not_reported(string method) => Verify.AnalyzeAsync(Delegate(method));
}

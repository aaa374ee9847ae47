using System.Diagnostics;
using System.Reflection;

namespace UrlLoading.Benchmarks;

/// <summary>The cost of one DidReceiveData call: through the generated table, a hand-written implementation, and reflection.</summary>
internal static class Dispatch
{
    private const int Calls = 5_000_000;

    public static void Run()
    {
        IUrlSessionDelegate generated = new GeneratedCounter();
        IUrlSessionDelegate handWritten = new HandWrittenCounter();
        var method = typeof(GeneratedCounter).GetMethod("DidReceiveData", BindingFlags.Instance | BindingFlags.NonPublic)!;
        var target = new GeneratedCounter();
        var data = new ReadOnlyMemory<byte>(new byte[16]);
        object[] arguments = [data];

        double generatedNs = Time(() => { for (int i = 0; i < Calls; i++) generated.DidReceiveData(null!, null!, data); }, out long generatedAlloc);
        double handNs = Time(() => { for (int i = 0; i < Calls; i++) handWritten.DidReceiveData(null!, null!, data); }, out long handAlloc);
        double reflectionNs = Time(() => { for (int i = 0; i < Calls / 10; i++) method.Invoke(target, arguments); }, out _) * 10;

        Console.WriteLine();
        Console.WriteLine($"dispatch of one DidReceiveData ({Calls:N0} calls):");
        Console.WriteLine($"  generated    {generatedNs,7:F2} ns/call  {(double)generatedAlloc / Calls:F2} B/call");
        Console.WriteLine($"  hand-written {handNs,7:F2} ns/call  {(double)handAlloc / Calls:F2} B/call");
        Console.WriteLine($"  reflection   {reflectionNs,7:F2} ns/call");
        Console.WriteLine($"  generated / hand-written: {generatedNs / handNs:F2}x; reflection / generated: {reflectionNs / generatedNs:F1}x");
    }

    private static double Time(Action loop, out long allocated)
    {
        loop();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        loop();
        double ns = clock.Elapsed.TotalNanoseconds / Calls;
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return ns;
    }
}

[UrlSessionDelegate]
internal sealed partial class GeneratedCounter
{
    public long Bytes;

    private void DidReceiveData(ReadOnlyMemory<byte> data) => Bytes += data.Length;
}

internal sealed class HandWrittenCounter : IUrlSessionDelegate
{
    public long Bytes;

    public UrlSessionCallbacks Callbacks => UrlSessionCallbacks.DidReceiveData;

    public ValueTask DidReceiveData(UrlSession session, UrlSessionDataTask task, ReadOnlyMemory<byte> data)
    {
        Bytes += data.Length;
        return default;
    }
}

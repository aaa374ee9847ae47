using System.Diagnostics.Tracing;

namespace UrlLoading.Benchmarks;

/// <summary>
/// Samples allocations by type through the runtime's AllocationTick event (one event per ~100 KB allocated), for
/// <c>--small-client ... --profile</c>: where a client's bytes per request go.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly Dictionary<string, long> _bytesByType = [];
    private bool _enabled;

    public void Start() => _enabled = true;

    public IEnumerable<(string Type, long Bytes)> Top(int count)
    {
        lock (_bytesByType)
            return _bytesByType.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value)).ToList();
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_enabled || e.EventName != "GCAllocationTick_V4" || e.Payload is null)
            return;
        string type = e.Payload[e.PayloadNames!.IndexOf("TypeName")] as string ?? "?";
        long bytes = Convert.ToInt64(e.Payload[e.PayloadNames!.IndexOf("AllocationAmount64")]);
        lock (_bytesByType)
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + bytes;
    }
}

using System;
using System.Net.Http;

namespace UrlLoading.Transfer;

/// <summary>The final request/response exchange of a task: the response whose body the task reads.</summary>
internal sealed class Exchange(UrlRequest request, HttpResponseMessage message, HttpUrlResponse response, DateTimeOffset fetchStart, DateTimeOffset responseStart) : IDisposable
{
    public HttpResponseMessage Message { get; } = message;

    public HttpUrlResponse Response { get; } = response;

    public long BodyBytes { get; set; }

    /// <summary>Where the body is copied while the task reads it, when the response may be cached; null otherwise.</summary>
    public System.IO.MemoryStream? CacheBody { get; set; }

    /// <summary>The largest body the cache would keep: past it the copy stops (<see cref="CacheBody"/> becomes null).</summary>
    public long CacheLimit { get; set; }

    /// <summary>What to store once the whole body has been read (its body is <see cref="CacheBody"/>).</summary>
    public Func<byte[], CacheEntry>? CacheCandidate { get; set; }

    /// <summary>The request the cached entry answers.</summary>
    public UrlRequest Request { get; } = request;

    /// <summary>Records the exchange's metrics once its body has been read (or abandoned).</summary>
    public void Complete(MetricsRecorder metrics)
    {
        if (metrics.Collects)
            metrics.Record(new UrlSessionTaskTransactionMetrics(Request, Response, fetchStart, responseStart, DateTimeOffset.UtcNow,
            TransferEngine.ProtocolName(Message.Version), BodyBytes));
    }

    public void Dispose() => Message.Dispose();
}

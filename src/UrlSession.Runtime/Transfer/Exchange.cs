using System;
using System.Net.Http;

namespace UrlLoading.Transfer;

/// <summary>The final request/response exchange of a task: the response whose body the task reads.</summary>
internal sealed class Exchange(UrlRequest request, HttpResponseMessage message, HttpUrlResponse response, DateTimeOffset fetchStart, DateTimeOffset responseStart) : IDisposable
{
    public HttpResponseMessage Message { get; } = message;

    public HttpUrlResponse Response { get; } = response;

    public long BodyBytes { get; set; }

    /// <summary>Records the exchange's metrics once its body has been read (or abandoned).</summary>
    public void Complete(MetricsRecorder metrics) =>
        metrics.Record(new UrlSessionTaskTransactionMetrics(request, Response, fetchStart, responseStart, DateTimeOffset.UtcNow,
            TransferEngine.ProtocolName(Message.Version), BodyBytes));

    public void Dispose() => Message.Dispose();
}

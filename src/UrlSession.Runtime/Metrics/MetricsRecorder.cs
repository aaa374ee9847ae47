using System;
using System.Collections.Generic;

namespace UrlLoading;

/// <summary>Collects one task's exchanges while it runs; built into <see cref="UrlSessionTaskMetrics"/> at completion.</summary>
internal sealed class MetricsRecorder
{
    private readonly List<UrlSessionTaskTransactionMetrics> _transactions = [];

    public int RedirectCount { get; set; }

    public void Record(UrlSessionTaskTransactionMetrics transaction)
    {
        lock (_transactions)
            _transactions.Add(transaction);
    }

    public UrlSessionTaskMetrics Build(DateTimeOffset taskStart)
    {
        lock (_transactions)
            return new UrlSessionTaskMetrics([.. _transactions], taskStart, DateTimeOffset.UtcNow - taskStart, RedirectCount);
    }
}

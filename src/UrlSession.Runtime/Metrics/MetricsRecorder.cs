using System;
using System.Collections.Generic;

namespace UrlLoading;

/// <summary>
/// Counts one task's redirects and, when its delegate collects metrics, its exchanges; built into
/// <see cref="UrlSessionTaskMetrics"/> at completion.
/// </summary>
internal sealed class MetricsRecorder(bool collects)
{
    private readonly List<UrlSessionTaskTransactionMetrics> _transactions = collects ? [] : null!;

    public int RedirectCount { get; set; }

    /// <summary>Whether anyone reads the exchanges (<c>DidFinishCollectingMetrics</c>); if not, none is kept.</summary>
    public bool Collects { get; } = collects;

    public void Record(UrlSessionTaskTransactionMetrics transaction)
    {
        if (!Collects)
            return;
        lock (_transactions)
            _transactions.Add(transaction);
    }

    public UrlSessionTaskMetrics Build(DateTimeOffset taskStart)
    {
        lock (_transactions)
            return new UrlSessionTaskMetrics([.. _transactions], taskStart, DateTimeOffset.UtcNow - taskStart, RedirectCount);
    }
}

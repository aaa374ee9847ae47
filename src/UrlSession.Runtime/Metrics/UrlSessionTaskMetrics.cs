using System;
using System.Collections.Generic;

namespace UrlLoading;

/// <summary>What a task did on the wire (Apple's <c>URLSessionTaskMetrics</c>), delivered before its completion.</summary>
/// <param name="TransactionMetrics">One entry per request/response exchange, redirects and authentication retries included.</param>
/// <param name="TaskStart">When the task was first resumed.</param>
/// <param name="TaskDuration">From first resume to completion.</param>
/// <param name="RedirectCount">How many redirects were followed.</param>
public sealed record UrlSessionTaskMetrics(
    IReadOnlyList<UrlSessionTaskTransactionMetrics> TransactionMetrics,
    DateTimeOffset TaskStart,
    TimeSpan TaskDuration,
    int RedirectCount);

/// <summary>One request/response exchange of a task (Apple's <c>URLSessionTaskTransactionMetrics</c>).</summary>
/// <param name="Request">The request sent.</param>
/// <param name="Response">The response received, or null when the exchange failed.</param>
/// <param name="FetchStart">When the exchange began.</param>
/// <param name="ResponseStart">When the response headers arrived, or null.</param>
/// <param name="ResponseEnd">When the exchange ended.</param>
/// <param name="NetworkProtocolName">The protocol, such as <c>http/1.1</c> or <c>h2</c>.</param>
/// <param name="CountOfResponseBodyBytesReceived">Body bytes received in this exchange.</param>
public sealed record UrlSessionTaskTransactionMetrics(
    UrlRequest Request,
    UrlResponse? Response,
    DateTimeOffset FetchStart,
    DateTimeOffset? ResponseStart,
    DateTimeOffset ResponseEnd,
    string? NetworkProtocolName,
    long CountOfResponseBodyBytesReceived);

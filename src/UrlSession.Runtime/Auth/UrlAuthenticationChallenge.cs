using System;

namespace UrlLoading;

/// <summary>A request for credentials from a server or a proxy (Apple's <c>URLAuthenticationChallenge</c>).</summary>
/// <param name="ProtectionSpace">What is asking for authentication.</param>
/// <param name="ProposedCredential">A credential from the storage or the previous attempt, or null.</param>
/// <param name="PreviousFailureCount">How many times authentication already failed for this task and space.</param>
/// <param name="FailureResponse">The response that carried the challenge (the 401 or 407), or null.</param>
/// <param name="Error">The error of the last failed attempt, or null.</param>
public sealed record UrlAuthenticationChallenge(
    UrlProtectionSpace ProtectionSpace,
    UrlCredential? ProposedCredential,
    int PreviousFailureCount,
    UrlResponse? FailureResponse,
    Exception? Error);

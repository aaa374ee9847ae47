namespace UrlLoading;

/// <summary>How the delegate answers an authentication challenge (Apple's <c>URLSession.AuthChallengeDisposition</c>).</summary>
public enum AuthChallengeDisposition
{
    /// <summary>Use the credential returned with the disposition.</summary>
    UseCredential = 0,
    /// <summary>Handle the challenge as if the delegate did not answer it: use a stored credential, else continue without one.</summary>
    PerformDefaultHandling = 1,
    /// <summary>Cancel the task; it completes with <see cref="UrlErrorCode.Cancelled"/>.</summary>
    CancelAuthenticationChallenge = 2,
    /// <summary>Reject this protection space and try the next authentication method the server offers, if any.</summary>
    RejectProtectionSpace = 3,
}

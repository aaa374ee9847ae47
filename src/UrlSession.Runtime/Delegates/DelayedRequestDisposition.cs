namespace UrlLoading;

/// <summary>What a delayed task does when it may start (Apple's <c>URLSession.DelayedRequestDisposition</c>).</summary>
public enum DelayedRequestDisposition
{
    /// <summary>Start with the original request.</summary>
    ContinueLoading = 0,
    /// <summary>Start with the request returned with the disposition.</summary>
    UseNewRequest = 1,
    /// <summary>Cancel the task.</summary>
    Cancel = 2,
}

namespace UrlLoading;

/// <summary>What a data task does after <c>DidReceiveResponse</c> (Apple's <c>URLSession.ResponseDisposition</c>).</summary>
public enum ResponseDisposition
{
    /// <summary>Cancel the task; it completes with <see cref="UrlErrorCode.Cancelled"/>.</summary>
    Cancel = 0,
    /// <summary>Continue loading the body.</summary>
    Allow = 1,
    /// <summary>Turn the data task into a download task.</summary>
    BecomeDownload = 2,
}

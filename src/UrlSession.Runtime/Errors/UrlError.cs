using System;

namespace UrlLoading;

/// <summary>
/// A failure of a URL load: Apple's <c>NSError</c> in <c>NSURLErrorDomain</c>. HTTP error statuses (4xx, 5xx)
/// are not errors; they arrive as responses.
/// </summary>
public sealed class UrlError : Exception
{
    /// <summary>Creates an error with a code, the URL that failed, and an optional cause.</summary>
    /// <param name="code">The error code.</param>
    /// <param name="failingUrl">The URL of the request that failed, if known.</param>
    /// <param name="message">A human-readable description; a default for the code is used when null.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public UrlError(UrlErrorCode code, Uri? failingUrl = null, string? message = null, Exception? innerException = null)
        : base(message ?? DescribeCode(code), innerException)
    {
        Code = code;
        FailingUrl = failingUrl;
        HResult = (int)code;
    }

    /// <summary>The error code, with Apple's numeric value.</summary>
    public UrlErrorCode Code { get; }

    /// <summary>The URL of the request that failed (Apple's <c>NSURLErrorFailingURLErrorKey</c>).</summary>
    public Uri? FailingUrl { get; }

    /// <summary>For a failed download that can continue: the resume data to pass to <see cref="UrlSession.DownloadTask(ResumeData)"/> (Apple's <c>NSURLSessionDownloadTaskResumeData</c>).</summary>
    public ResumeData? ResumeData { get; internal set; }

    /// <summary>Apple's error domain, always <c>NSURLErrorDomain</c>.</summary>
    public string Domain => "NSURLErrorDomain";

    /// <summary>A short description of a code, as Apple's localized descriptions read.</summary>
    /// <param name="code">The code to describe.</param>
    /// <returns>The description.</returns>
    public static string DescribeCode(UrlErrorCode code) => code switch
    {
        UrlErrorCode.Cancelled => "cancelled",
        UrlErrorCode.BadUrl => "unsupported or malformed URL",
        UrlErrorCode.TimedOut => "The request timed out.",
        UrlErrorCode.UnsupportedUrl => "unsupported URL",
        UrlErrorCode.CannotFindHost => "A server with the specified hostname could not be found.",
        UrlErrorCode.CannotConnectToHost => "Could not connect to the server.",
        UrlErrorCode.NetworkConnectionLost => "The network connection was lost.",
        UrlErrorCode.HttpTooManyRedirects => "too many HTTP redirects",
        UrlErrorCode.RedirectToNonExistentLocation => "redirected to a location that does not exist",
        UrlErrorCode.BadServerResponse => "bad server response",
        UrlErrorCode.UserCancelledAuthentication => "The authentication challenge was cancelled.",
        UrlErrorCode.UserAuthenticationRequired => "user authentication required",
        UrlErrorCode.SecureConnectionFailed => "A TLS error caused the secure connection to fail.",
        _ => $"The operation could not be completed ({nameof(UrlErrorCode)}.{code}, {(int)code}).",
    };

    /// <inheritdoc />
    public override string ToString() =>
        $"{nameof(UrlError)} {Code} ({(int)Code}){(FailingUrl is null ? "" : $" for {FailingUrl}")}: {Message}";
}

using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// The exceptions an <see cref="HttpClient"/> caller expects for a task's <see cref="UrlError"/>: cancellation and
/// timeouts as <see cref="TaskCanceledException"/> (a timeout with an inner <see cref="TimeoutException"/>, as
/// <see cref="HttpClient.Timeout"/> does), everything else as <see cref="HttpRequestException"/> with the matching
/// <see cref="HttpRequestError"/>. The <see cref="UrlError"/> is always the inner exception.
/// </summary>
internal static class HttpClientErrors
{
    /// <summary>A failure before the response headers arrived, thrown by <c>SendAsync</c>.</summary>
    public static Exception ForRequest(UrlError error, CancellationToken cancellationToken) => error.Code switch
    {
        UrlErrorCode.Cancelled => new TaskCanceledException(error.Message, error, cancellationToken),
        UrlErrorCode.TimedOut => TimedOut(error),
        _ => new HttpRequestException(RequestErrorOf(error), error.Message, error),
    };

    /// <summary>A failure while the body is read, thrown by the response stream (as <see cref="SocketsHttpHandler"/>'s stream throws <see cref="HttpIOException"/>).</summary>
    public static Exception ForBody(UrlError error) => error.Code switch
    {
        UrlErrorCode.Cancelled => new TaskCanceledException(error.Message, error),
        UrlErrorCode.TimedOut => TimedOut(error),
        _ => new HttpIOException(RequestErrorOf(error), error.Message, error),
    };

    public static HttpRequestError RequestErrorOf(UrlError error)
    {
        var mapped = error.Code switch
        {
            UrlErrorCode.CannotFindHost or UrlErrorCode.DnsLookupFailed => HttpRequestError.NameResolutionError,
            UrlErrorCode.CannotConnectToHost or UrlErrorCode.NotConnectedToInternet => HttpRequestError.ConnectionError,
            UrlErrorCode.NetworkConnectionLost => HttpRequestError.ResponseEnded,
            UrlErrorCode.SecureConnectionFailed or UrlErrorCode.ServerCertificateHasBadDate or UrlErrorCode.ServerCertificateUntrusted
                or UrlErrorCode.ServerCertificateHasUnknownRoot or UrlErrorCode.ServerCertificateNotYetValid
                or UrlErrorCode.ClientCertificateRejected or UrlErrorCode.ClientCertificateRequired => HttpRequestError.SecureConnectionError,
            UrlErrorCode.BadServerResponse or UrlErrorCode.CannotParseResponse or UrlErrorCode.CannotDecodeContentData
                or UrlErrorCode.CannotDecodeRawData => HttpRequestError.InvalidResponse,
            UrlErrorCode.UserAuthenticationRequired or UrlErrorCode.UserCancelledAuthentication => HttpRequestError.UserAuthenticationError,
            UrlErrorCode.HttpTooManyRedirects or UrlErrorCode.DataLengthExceedsMaximum => HttpRequestError.ConfigurationLimitExceeded,
            _ => HttpRequestError.Unknown,
        };
        // A code the table leaves open keeps what the transport said, when it said something.
        return mapped == HttpRequestError.Unknown && error.InnerException is HttpRequestException inner ? inner.HttpRequestError : mapped;
    }

    private static TaskCanceledException TimedOut(UrlError error) =>
        new(error.Message, new TimeoutException(error.Message, error));
}

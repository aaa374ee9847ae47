using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;

namespace UrlLoading.Transfer;

/// <summary>Turns what the transport throws into the <see cref="UrlError"/> Apple's loading system would report.</summary>
internal static class ErrorMapping
{
    public static UrlError ToUrlError(Exception exception, Uri url, TransferClock clock, bool cancelled)
    {
        switch (exception)
        {
            case UrlError error:
                return error;
            case OperationCanceledException when cancelled:
                return new UrlError(UrlErrorCode.Cancelled, url);
            case OperationCanceledException when clock.TimedOut:
                return new UrlError(UrlErrorCode.TimedOut, url, innerException: exception);
            case HttpRequestException request:
                return FromHttpRequest(request, url);
            case HttpIOException io:
                return new UrlError(io.HttpRequestError == HttpRequestError.InvalidResponse ? UrlErrorCode.BadServerResponse : UrlErrorCode.NetworkConnectionLost, url, innerException: io);
            case IOException { InnerException: SocketException } io:
                return new UrlError(UrlErrorCode.NetworkConnectionLost, url, innerException: io);
            case IOException io:
                return new UrlError(UrlErrorCode.NetworkConnectionLost, url, innerException: io);
            case OperationCanceledException:
                return new UrlError(UrlErrorCode.Cancelled, url, innerException: exception);
            case InvalidDataException or InvalidOperationException { Source: "System.IO.Compression" or "System.IO.Compression.Brotli" }:
                // GZip/Deflate throw InvalidDataException and Brotli InvalidOperationException on bytes that do not decode.
                return new UrlError(UrlErrorCode.CannotDecodeContentData, url,
                    $"The response body does not decode as its Content-Encoding ({ContentEncoding(exception)}): {exception.Message}", exception);
            default:
                return new UrlError(UrlErrorCode.Unknown, url, $"The task failed: {exception.Message}", exception);
        }
    }

    private static string ContentEncoding(Exception exception) =>
        exception is InvalidDataException ? "gzip or deflate" : "br";

    private static UrlError FromHttpRequest(HttpRequestException exception, Uri url)
    {
        var code = exception.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => UrlErrorCode.CannotFindHost,
            HttpRequestError.ConnectionError => FromSocket(exception),
            HttpRequestError.SecureConnectionError => UrlErrorCode.SecureConnectionFailed,
            HttpRequestError.InvalidResponse => UrlErrorCode.BadServerResponse,
            HttpRequestError.HttpProtocolError => UrlErrorCode.BadServerResponse,
            HttpRequestError.ResponseEnded => UrlErrorCode.NetworkConnectionLost,
            HttpRequestError.ConfigurationLimitExceeded => UrlErrorCode.BadServerResponse,
            HttpRequestError.VersionNegotiationError => UrlErrorCode.BadServerResponse,
            HttpRequestError.ProxyTunnelError => UrlErrorCode.CannotConnectToHost,
            HttpRequestError.UserAuthenticationError => UrlErrorCode.UserAuthenticationRequired,
            _ => exception.InnerException is IOException ? UrlErrorCode.NetworkConnectionLost : UrlErrorCode.Unknown,
        };
        return new UrlError(code, url, innerException: exception);
    }

    private static UrlErrorCode FromSocket(HttpRequestException exception) =>
        (exception.InnerException as SocketException)?.SocketErrorCode switch
        {
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => UrlErrorCode.CannotFindHost,
            SocketError.NetworkUnreachable or SocketError.NetworkDown => UrlErrorCode.NotConnectedToInternet,
            SocketError.TimedOut => UrlErrorCode.TimedOut,
            SocketError.ConnectionReset or SocketError.ConnectionAborted => UrlErrorCode.NetworkConnectionLost,
            _ => UrlErrorCode.CannotConnectToHost,
        };
}

namespace UrlLoading;

/// <summary>
/// Error codes of the URL Loading System, with the numeric values of Apple's <c>NSURLErrorDomain</c>
/// so that codes logged on Apple platforms and here mean the same thing.
/// </summary>
public enum UrlErrorCode
{
    /// <summary>An unknown error occurred (-1).</summary>
    Unknown = -1,
    /// <summary>The task was cancelled (-999).</summary>
    Cancelled = -999,
    /// <summary>A background session is already in use by another process (-996).</summary>
    BackgroundSessionInUseByAnotherProcess = -996,
    /// <summary>The app lost its connection to the background transfer service (-997).</summary>
    BackgroundSessionWasDisconnected = -997,
    /// <summary>The URL is malformed (-1000).</summary>
    BadUrl = -1000,
    /// <summary>The request timed out: no bytes moved for the request timeout, or the resource timeout elapsed (-1001).</summary>
    TimedOut = -1001,
    /// <summary>The URL's scheme is not supported by the session (-1002).</summary>
    UnsupportedUrl = -1002,
    /// <summary>The host name could not be resolved (-1003).</summary>
    CannotFindHost = -1003,
    /// <summary>The host refused or did not accept the connection (-1004).</summary>
    CannotConnectToHost = -1004,
    /// <summary>The connection was lost while the transfer was in progress (-1005).</summary>
    NetworkConnectionLost = -1005,
    /// <summary>The DNS lookup failed (-1006).</summary>
    DnsLookupFailed = -1006,
    /// <summary>The redirect limit was exceeded (-1007).</summary>
    HttpTooManyRedirects = -1007,
    /// <summary>The resource could not be loaded (-1008).</summary>
    ResourceUnavailable = -1008,
    /// <summary>No network connection is available (-1009).</summary>
    NotConnectedToInternet = -1009,
    /// <summary>A redirect pointed to a location that does not exist or cannot be parsed (-1010).</summary>
    RedirectToNonExistentLocation = -1010,
    /// <summary>The server sent a response the client cannot understand (-1011).</summary>
    BadServerResponse = -1011,
    /// <summary>The user or the delegate cancelled an authentication challenge (-1012).</summary>
    UserCancelledAuthentication = -1012,
    /// <summary>Authentication is required and no credential succeeded (-1013).</summary>
    UserAuthenticationRequired = -1013,
    /// <summary>The resource has no data (-1014).</summary>
    ZeroByteResource = -1014,
    /// <summary>The raw data could not be decoded (-1015).</summary>
    CannotDecodeRawData = -1015,
    /// <summary>The content encoding could not be decoded (-1016).</summary>
    CannotDecodeContentData = -1016,
    /// <summary>The response could not be parsed (-1017).</summary>
    CannotParseResponse = -1017,
    /// <summary>A request body stream ran out before its declared length (-1021).</summary>
    RequestBodyStreamExhausted = -1021,
    /// <summary>The file does not exist (-1100).</summary>
    FileDoesNotExist = -1100,
    /// <summary>The path names a directory, not a file (-1101).</summary>
    FileIsDirectory = -1101,
    /// <summary>The file cannot be read (-1102).</summary>
    NoPermissionsToReadFile = -1102,
    /// <summary>The resource exceeds the maximum size (-1103).</summary>
    DataLengthExceedsMaximum = -1103,
    /// <summary>A secure connection could not be established (-1200).</summary>
    SecureConnectionFailed = -1200,
    /// <summary>The server certificate has a date that is not valid (-1201).</summary>
    ServerCertificateHasBadDate = -1201,
    /// <summary>The server certificate is not trusted (-1202).</summary>
    ServerCertificateUntrusted = -1202,
    /// <summary>The server certificate has an unknown root (-1203).</summary>
    ServerCertificateHasUnknownRoot = -1203,
    /// <summary>The server certificate is not yet valid (-1204).</summary>
    ServerCertificateNotYetValid = -1204,
    /// <summary>The server rejected the client certificate (-1205).</summary>
    ClientCertificateRejected = -1205,
    /// <summary>The server requires a client certificate (-1206).</summary>
    ClientCertificateRequired = -1206,
    /// <summary>The resource cannot be loaded from the network, for example under <see cref="RequestCachePolicy.ReturnCacheDataDoNotLoad"/> (-2000).</summary>
    CannotLoadFromNetwork = -2000,
    /// <summary>The download file cannot be created (-3000).</summary>
    CannotCreateFile = -3000,
    /// <summary>The download file cannot be opened (-3001).</summary>
    CannotOpenFile = -3001,
    /// <summary>The download file cannot be closed (-3002).</summary>
    CannotCloseFile = -3002,
    /// <summary>The download file cannot be written (-3003).</summary>
    CannotWriteToFile = -3003,
    /// <summary>The download file cannot be removed (-3004).</summary>
    CannotRemoveFile = -3004,
    /// <summary>The download file cannot be moved (-3005).</summary>
    CannotMoveFile = -3005,
}

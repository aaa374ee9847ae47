namespace UrlLoading;

/// <summary>
/// The status code of a WebSocket close frame (Apple's <c>URLSessionWebSocketTask.CloseCode</c>; RFC 6455 §7.4).
/// Other values between 3000 and 4999 are application-defined and may be used too.
/// </summary>
public enum UrlSessionWebSocketCloseCode
{
    /// <summary>The connection has not closed yet.</summary>
    Invalid = 0,
    /// <summary>1000: the purpose of the connection was fulfilled.</summary>
    NormalClosure = 1000,
    /// <summary>1001: an endpoint is going away (a server shutting down, a page navigated from).</summary>
    GoingAway = 1001,
    /// <summary>1002: an endpoint received a frame that breaks the protocol.</summary>
    ProtocolError = 1002,
    /// <summary>1003: an endpoint received a kind of data it cannot accept.</summary>
    UnsupportedData = 1003,
    /// <summary>1005: the close frame carried no status code. Never sent.</summary>
    NoStatusReceived = 1005,
    /// <summary>1006: the connection ended without a close frame (reset, or closed mid-stream). Never sent.</summary>
    AbnormalClosure = 1006,
    /// <summary>1007: a text message was not valid UTF-8.</summary>
    InvalidFramePayloadData = 1007,
    /// <summary>1008: a message broke the endpoint's policy.</summary>
    PolicyViolation = 1008,
    /// <summary>1009: a message was larger than the endpoint accepts (see <see cref="UrlSessionWebSocketTask.MaximumMessageSize"/>).</summary>
    MessageTooBig = 1009,
    /// <summary>1010: the client needed an extension the server did not negotiate.</summary>
    MandatoryExtensionMissing = 1010,
    /// <summary>1011: the server met a condition that kept it from fulfilling the request.</summary>
    InternalServerError = 1011,
    /// <summary>1015: the TLS handshake failed. Never sent.</summary>
    TlsHandshakeFailure = 1015,
}

using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace UrlLoading.WebSockets;

/// <summary>
/// The opening handshake of RFC 6455 §4: the upgrade request a WebSocket task sends through the session's request
/// path (so cookies, credentials, proxy, TLS trust and additional headers apply), and the check of the answer.
/// </summary>
internal static class WebSocketHandshake
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const string ProtocolHeader = "Sec-WebSocket-Protocol";

    /// <summary>A request for <paramref name="url"/> offering <paramref name="protocols"/> in preference order.</summary>
    public static UrlRequest RequestFor(Uri url, IReadOnlyList<string> protocols)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(protocols);
        var request = new UrlRequest(url);
        foreach (string protocol in protocols)
        {
            if (string.IsNullOrEmpty(protocol) || protocol.AsSpan().IndexOfAny(" ,;\t\"") >= 0)
                throw new ArgumentException($"'{protocol}' is not a WebSocket subprotocol name: use a token without spaces, commas or quotes, such as \"chat.v2\".", nameof(protocols));
        }
        return protocols.Count == 0 ? request : request.WithHeader(ProtocolHeader, string.Join(", ", protocols));
    }

    /// <summary>
    /// The task's request: a GET without a body, with ws and wss URLs in their http and https form (the form the
    /// handshake is sent in, and the one cookies and credentials are stored for).
    /// </summary>
    public static UrlRequest Normalize(UrlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpMethod != "GET" || request.HttpBody is not null || request.HttpBodyStream is not null)
            throw new ArgumentException("A WebSocket opening handshake is a GET without a body; leave HttpMethod, HttpBody and HttpBodyStream unset.", nameof(request));
        string? scheme = request.Url.Scheme switch
        {
            "ws" => Uri.UriSchemeHttp,
            "wss" => Uri.UriSchemeHttps,
            _ => null,
        };
        if (scheme is null)
            return request;
        var url = new UriBuilder(request.Url) { Scheme = scheme, Port = request.Url.IsDefaultPort ? -1 : request.Url.Port }.Uri;
        return request with { Url = url };
    }

    /// <summary>The subprotocols the request offers, from its <c>Sec-WebSocket-Protocol</c> header.</summary>
    public static string[] OfferedProtocols(UrlRequest request) =>
        request.Headers.TryGetValue(ProtocolHeader, out var value)
            ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    /// <summary>The request with the upgrade fields and a fresh <paramref name="key"/>.</summary>
    public static UrlRequest WithUpgrade(UrlRequest request, out string key)
    {
        key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        return request
            .WithHeader("Connection", "Upgrade")
            .WithHeader("Upgrade", "websocket")
            .WithHeader("Sec-WebSocket-Version", "13")
            .WithHeader("Sec-WebSocket-Key", key);
    }

    /// <summary>
    /// Checks the server's answer and returns the subprotocol it chose (null for none). Anything but a well-formed
    /// 101 is <see cref="UrlErrorCode.BadServerResponse"/>, as Apple reports it.
    /// </summary>
    public static string? Accept(HttpUrlResponse response, string key, string[] offered)
    {
        if (response.StatusCode != 101)
            throw Refused(response, $"The server answered the WebSocket handshake with {response.StatusCode} {HttpUrlResponse.LocalizedString(response.StatusCode)}, not 101 Switching Protocols.");
        if (!string.Equals(response.ValueForHttpHeaderField("Upgrade"), "websocket", StringComparison.OrdinalIgnoreCase)
            || response.ValueForHttpHeaderField("Connection")?.Contains("upgrade", StringComparison.OrdinalIgnoreCase) != true)
            throw Refused(response, "The server's 101 answer does not upgrade to websocket (Upgrade and Connection fields).");
        string expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        if (response.ValueForHttpHeaderField("Sec-WebSocket-Accept") != expected)
            throw Refused(response, "The server's Sec-WebSocket-Accept does not match the key sent.");
        if (response.ValueForHttpHeaderField("Sec-WebSocket-Extensions") is { Length: > 0 } extensions)
            throw Refused(response, $"The server enabled WebSocket extensions ({extensions}) that the client did not offer.");
        if (response.ValueForHttpHeaderField(ProtocolHeader) is not { Length: > 0 } chosen)
            return null;
        if (Array.IndexOf(offered, chosen) < 0)
            throw Refused(response, $"The server chose the subprotocol '{chosen}', which the client did not offer ({(offered.Length == 0 ? "none" : string.Join(", ", offered))}).");
        return chosen;
    }

    private static UrlError Refused(HttpUrlResponse response, string why) => new(UrlErrorCode.BadServerResponse, response.Url, why);
}

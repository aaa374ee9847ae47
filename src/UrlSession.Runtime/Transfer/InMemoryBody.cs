using System;

namespace UrlLoading.Transfer;

/// <summary>
/// The response body a data task keeps for its completion handler or awaiting caller, never longer than
/// <see cref="UrlSessionConfiguration.MaximumInMemoryBodySize"/>: an endless or decompression-bomb body fails the task
/// with <see cref="UrlErrorCode.DataLengthExceedsMaximum"/> instead of filling memory. The buffer never grows past the
/// limit, and a body whose <c>Content-Length</c> is known gets one buffer of exactly that size, returned without a
/// copy.
/// </summary>
internal sealed class InMemoryBody
{
    private readonly long _limit;
    private readonly Uri _url;
    private byte[] _buffer;
    private int _length;

    private InMemoryBody(long limit, Uri url, int capacity)
    {
        _limit = limit;
        _url = url;
        _buffer = capacity > 0 ? new byte[capacity] : [];
    }

    /// <summary>
    /// A body for the exchange's response; fails before a byte is read (or allocated) when its <c>Content-Length</c>
    /// is over <paramref name="limit"/>. A response that has no body (to HEAD, 1xx, 204, 304) is never refused.
    /// </summary>
    public static InMemoryBody For(Exchange exchange, long limit)
    {
        var response = exchange.Response;
        bool bodiless = exchange.Request.HttpMethod == "HEAD" || response.StatusCode is < 200 or 204 or 304;
        long expected = bodiless ? 0 : response.ExpectedContentLength;
        if (expected > limit)
            throw TooLarge(response.Url, limit, $"its Content-Length is {expected} bytes");
        return new InMemoryBody(limit, response.Url, (int)Math.Max(expected, 0));
    }

    /// <summary>Appends bytes read from the (decoded) body; throws once the body would pass the limit.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _limit - _length)
            throw TooLarge(_url, _limit, $"more than {_limit} bytes arrived (counted after content decoding)");
        int needed = _length + bytes.Length;
        if (needed > _buffer.Length)
            Array.Resize(ref _buffer, (int)Math.Min(Math.Max(needed, 2L * _buffer.Length), _limit));
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length = needed;
    }

    /// <summary>The body's bytes: the buffer itself when exactly full (usual with Content-Length), else a copy.</summary>
    public byte[] ToArray() => _length == _buffer.Length ? _buffer : _buffer.AsSpan(0, _length).ToArray();

    private static UrlError TooLarge(Uri url, long limit, string what) =>
        new(UrlErrorCode.DataLengthExceedsMaximum, url,
            $"The response body is longer than the session's MaximumInMemoryBodySize ({limit} bytes): {what}. Raise " +
            "UrlSessionConfiguration.MaximumInMemoryBodySize, or use a download task, which streams the body to disk.");
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;

namespace UrlLoading;

/// <summary>The response to an HTTP or HTTPS request (Apple's <c>HTTPURLResponse</c>).</summary>
public sealed class HttpUrlResponse : UrlResponse
{
    private readonly IReadOnlyDictionary<string, string> _headers;

    /// <summary>The field lines of each header given more than once (Set-Cookie above all), in order; null when none was.</summary>
    private readonly Dictionary<string, string[]>? _repeatedFields;

    /// <summary>Creates an HTTP response.</summary>
    /// <param name="url">The URL the response came from.</param>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="httpVersion">The protocol version, such as <c>HTTP/1.1</c>.</param>
    /// <param name="headers">The response headers, one pair per field line. A name given more than once is joined
    /// with <c>", "</c> in <see cref="Headers"/> and kept line by line for <see cref="AllHeaderFieldValues"/>.</param>
    public HttpUrlResponse(Uri url, int statusCode, string httpVersion, IEnumerable<KeyValuePair<string, string>> headers)
        : this(url, statusCode, httpVersion, FieldLines.Of(headers))
    {
    }

    private HttpUrlResponse(Uri url, int statusCode, string httpVersion, FieldLines fields)
        : this(url, statusCode, httpVersion, fields.Joined, fields.Repeated)
    {
    }

    private HttpUrlResponse(Uri url, int statusCode, string httpVersion, IReadOnlyDictionary<string, string> headers,
        Dictionary<string, string[]>? repeatedFields)
        : base(url, MimeTypeOf(headers), LengthOf(headers), CharsetOf(headers))
    {
        if (statusCode is < 100 or > 999)
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "An HTTP status code has three digits.");
        StatusCode = statusCode;
        HttpVersion = httpVersion;
        _headers = headers;
        _repeatedFields = repeatedFields;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The protocol version of the response, such as <c>HTTP/1.1</c>.</summary>
    public string HttpVersion { get; }

    /// <summary>All response headers; names compare case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> Headers => _headers;

    /// <summary>Returns one header's value, or null (Apple's <c>value(forHTTPHeaderField:)</c>).</summary>
    /// <param name="name">The header name, in any case.</param>
    /// <returns>The value, or null.</returns>
    public string? ValueForHttpHeaderField(string name) => _headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>
    /// Every field line of one header, in the order received: two <c>Set-Cookie</c> lines give two values, where
    /// <see cref="Headers"/> and <see cref="ValueForHttpHeaderField"/> join them with <c>", "</c> (which an
    /// <c>Expires</c> date's own comma makes ambiguous). Empty when the header is absent. A response made from values
    /// already joined (a dictionary) has one value per name; <see cref="HttpCookie.Cookies"/> still reads its cookies.
    /// </summary>
    /// <param name="name">The header name, in any case.</param>
    /// <returns>The field values, one per line.</returns>
    public IReadOnlyList<string> AllHeaderFieldValues(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_headers is ResponseHeaders received)
            return received.Lines(name);
        if (_repeatedFields is not null && _repeatedFields.TryGetValue(name, out var lines))
            return lines;
        return _headers.TryGetValue(name, out var value) ? [value] : [];
    }

    /// <inheritdoc />
    public override string SuggestedFilename =>
        FileNameFromContentDisposition(ValueForHttpHeaderField("Content-Disposition")) ?? base.SuggestedFilename;

    /// <summary>The standard reason phrase for a status code (Apple's <c>localizedString(forStatusCode:)</c>).</summary>
    /// <param name="statusCode">The status code.</param>
    /// <returns>The reason phrase, or a generic one for unknown codes.</returns>
    public static string LocalizedString(int statusCode)
    {
        string name = ((HttpStatusCode)statusCode).ToString();
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return statusCode switch { < 200 => "informational", < 300 => "success", < 400 => "redirected", < 500 => "client error", _ => "server error" };
        var words = new System.Text.StringBuilder();
        foreach (char c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
                words.Append(' ');
            words.Append(words.Length == 0 ? c : char.ToLowerInvariant(c));
        }
        return words.ToString();
    }

    internal static HttpUrlResponse Create(Uri url, int statusCode, string httpVersion, IReadOnlyDictionary<string, string> headers) =>
        new(url, statusCode, httpVersion, headers, repeatedFields: null);

    /// <summary>Header fields given one pair per line: joined by name for <see cref="Headers"/>, kept line by line where a name repeats.</summary>
    private sealed class FieldLines
    {
        private ImmutableDictionary<string, string>.Builder? _joined;
        private Dictionary<string, List<string>>? _repeated;

        public IReadOnlyDictionary<string, string> Joined { get; private set; } = HeaderFields.Empty;

        public Dictionary<string, string[]>? Repeated
        {
            get
            {
                if (_repeated is null)
                    return null;
                var repeated = new Dictionary<string, string[]>(_repeated.Count, StringComparer.OrdinalIgnoreCase);
                foreach (var (name, lines) in _repeated)
                    repeated[name] = [.. lines];
                return repeated;
            }
        }

        public static FieldLines Of(IEnumerable<KeyValuePair<string, string>> headers)
        {
            ArgumentNullException.ThrowIfNull(headers);
            // A dictionary cannot repeat a name: nothing to keep apart, and an immutable one is used as it is.
            if (headers is IReadOnlyDictionary<string, string> or IDictionary<string, string>)
                return new FieldLines { Joined = HeaderFields.From(headers) };
            var fields = new FieldLines { _joined = HeaderFields.Empty.ToBuilder() };
            foreach (var (name, value) in headers)
            {
                HeaderFields.ValidateName(name);
                fields.Add(name, value ?? throw new ArgumentException($"Header '{name}' has a null value; pass an empty string instead.", nameof(headers)));
            }
            fields.Joined = fields._joined.ToImmutable();
            return fields;
        }

        private void Add(string name, string value)
        {
            if (!_joined!.TryGetValue(name, out var existing))
            {
                _joined[name] = value;
                return;
            }
            _joined[name] = existing + ", " + value;
            _repeated ??= new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            if (!_repeated.TryGetValue(name, out var lines))
                _repeated[name] = lines = [existing];
            lines.Add(value);
        }
    }

    private static string? MimeTypeOf(IReadOnlyDictionary<string, string> headers)
    {
        if (!headers.TryGetValue("Content-Type", out var type))
            return null;
        int semi = type.IndexOf(';');
        return (semi >= 0 ? type[..semi] : type).Trim().ToLowerInvariant();
    }

    private static string? CharsetOf(IReadOnlyDictionary<string, string> headers)
    {
        if (!headers.TryGetValue("Content-Type", out var type))
            return null;
        // Parameter by parameter without splitting: most types have no charset, and this runs for every response.
        for (var rest = type.AsSpan(); !rest.IsEmpty;)
        {
            int semi = rest.IndexOf(';');
            var p = (semi >= 0 ? rest[..semi] : rest).Trim();
            rest = semi >= 0 ? rest[(semi + 1)..] : default;
            if (p.StartsWith("charset=", StringComparison.OrdinalIgnoreCase))
                return p["charset=".Length..].Trim('"').ToString().ToLowerInvariant();
        }
        return null;
    }

    private static long LengthOf(IReadOnlyDictionary<string, string> headers)
    {
        // Apple reports -1 when the body is content-encoded: the bytes delivered differ from the bytes sent.
        if (headers.TryGetValue("Content-Encoding", out var encoding) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return -1;
        return headers.TryGetValue("Content-Length", out var length)
            && long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : -1;
    }

    private static string? FileNameFromContentDisposition(string? disposition)
    {
        if (disposition is null || !System.Net.Http.Headers.ContentDispositionHeaderValue.TryParse(disposition, out var parsed))
            return null;
        string? name = parsed.FileNameStar ?? parsed.FileName?.Trim('"');
        if (string.IsNullOrWhiteSpace(name))
            return null;
        // Never let a server choose a path: keep the last segment only.
        name = name.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        return name is "" or "." or ".." ? null : name;
    }
}

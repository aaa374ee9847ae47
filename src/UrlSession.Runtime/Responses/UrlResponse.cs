using System;

namespace UrlLoading;

/// <summary>The metadata of a response, independent of protocol (Apple's <c>URLResponse</c>).</summary>
public class UrlResponse
{
    /// <summary>Creates a response.</summary>
    /// <param name="url">The URL the response came from.</param>
    /// <param name="mimeType">The MIME type, or null when unknown.</param>
    /// <param name="expectedContentLength">The expected body length, or -1 when unknown.</param>
    /// <param name="textEncodingName">The charset the body declares, or null.</param>
    public UrlResponse(Uri url, string? mimeType, long expectedContentLength, string? textEncodingName)
    {
        ArgumentNullException.ThrowIfNull(url);
        Url = url;
        MimeType = mimeType;
        ExpectedContentLength = expectedContentLength;
        TextEncodingName = textEncodingName;
    }

    /// <summary>The URL the response came from (after redirects, the final URL).</summary>
    public Uri Url { get; }

    /// <summary>The MIME type of the body, such as <c>text/html</c>, or null.</summary>
    public string? MimeType { get; }

    /// <summary>The expected body length in bytes, or -1 (Apple's <c>NSURLResponseUnknownLength</c>) when unknown.</summary>
    public long ExpectedContentLength { get; }

    /// <summary>The charset the body declares, such as <c>utf-8</c>, or null.</summary>
    public string? TextEncodingName { get; }

    /// <summary>A file name for saving the body: from <c>Content-Disposition</c>, else the URL's last path segment, else <c>index.html</c>-style defaults.</summary>
    public virtual string SuggestedFilename
    {
        get
        {
            string last = Uri.UnescapeDataString(Url.Segments.Length > 0 ? Url.Segments[^1].TrimEnd('/') : "");
            return last.Length > 0 ? last : "Unknown";
        }
    }
}

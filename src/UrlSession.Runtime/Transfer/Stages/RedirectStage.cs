using System;

namespace UrlLoading.Transfer;

/// <summary>Apple's redirect rules: which statuses are followed and what the next request looks like.</summary>
internal static class RedirectStage
{
    private static readonly string[] s_originBoundHeaders = ["Authorization", "Proxy-Authorization", "Cookie"];

    public static bool IsFollowable(int status) => status is 301 or 302 or 303 or 307 or 308;

    /// <summary>The request to send after a redirect, or throws when the location is unusable.</summary>
    public static UrlRequest NextRequest(UrlRequest previous, HttpUrlResponse response, string location)
    {
        if (!Uri.TryCreate(previous.Url, location.Trim(), out var target))
            throw new UrlError(UrlErrorCode.RedirectToNonExistentLocation, previous.Url, $"The server redirected to '{location}', which is not a valid URL.");
        if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
            throw new UrlError(UrlErrorCode.UnsupportedUrl, target, $"The server redirected to the unsupported scheme '{target.Scheme}'.");
        if (target.Fragment.Length == 0 && previous.Url.Fragment.Length > 0)
            target = new UriBuilder(target) { Fragment = previous.Url.Fragment[1..] }.Uri;

        var next = previous with { Url = target };
        // 303 always becomes GET; 301 and 302 turn POST into GET, as browsers and Apple do. 307 and 308 keep method and body.
        bool becomesGet = response.StatusCode == 303 ? previous.HttpMethod != "HEAD"
            : response.StatusCode is 301 or 302 && previous.HttpMethod == "POST";
        if (becomesGet)
        {
            next = next with { HttpMethod = "GET", HttpBody = null, HttpBodyStream = null };
            next = next.WithoutHeader("Content-Type").WithoutHeader("Content-Length").WithoutHeader("Content-Encoding");
        }
        // Credentials meant for one origin never travel to another; the session's own cookies and credentials are
        // chosen afresh for the new origin.
        if (!SameOrigin(previous.Url, target))
        {
            foreach (string name in s_originBoundHeaders)
                next = next.WithoutHeader(name);
        }
        return next;
    }

    /// <summary>
    /// Whether an app-set header (the request's or the configuration's additional headers) may go to
    /// <paramref name="destination"/> in a task that began at <paramref name="original"/>: <c>Authorization</c>,
    /// <c>Proxy-Authorization</c> and <c>Cookie</c> go only to the original scheme, host and port (curl's rule,
    /// CVE-2018-1000007, CVE-2022-27776).
    /// </summary>
    public static bool MaySendAppHeader(string name, Uri original, Uri destination) =>
        !IsOriginBound(name) || SameOrigin(original, destination);

    private static bool IsOriginBound(string name)
    {
        foreach (string bound in s_originBoundHeaders)
        {
            if (string.Equals(name, bound, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase);
}

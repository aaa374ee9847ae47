namespace UrlLoading;

/// <summary>Which cookies a <see cref="HttpCookieStorage"/> accepts (Apple's <c>HTTPCookie.AcceptPolicy</c>).</summary>
public enum HttpCookieAcceptPolicy
{
    /// <summary>Accept every cookie.</summary>
    Always = 0,
    /// <summary>Accept no cookie.</summary>
    Never = 1,
    /// <summary>
    /// Accept cookies only from the main document's domain (<see cref="UrlRequest.MainDocumentUrl"/>): the request's
    /// host is the main document's host, a subdomain of it, or a parent domain of it (swift.org for ci.swift.org), as
    /// Apple's platforms do; when the request names no main document, the request's own URL is the main document.
    /// </summary>
    OnlyFromMainDocumentDomain = 2,
}

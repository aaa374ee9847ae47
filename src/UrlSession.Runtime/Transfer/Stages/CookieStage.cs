using System.Net.Http;

namespace UrlLoading.Transfer;

/// <summary>The session's <see cref="HttpCookieStorage"/> on every hop: cookies attached to the request, Set-Cookie stored from the response.</summary>
internal sealed class CookieStage(UrlSessionConfiguration configuration)
{
    /// <summary>The stored cookies for the request's URL, unless the request brings its own <c>Cookie</c> header or handles none.</summary>
    public void Attach(UrlRequest request, HttpRequestMessage message)
    {
        if (configuration.HttpCookieStorage is not { } storage || !configuration.HttpShouldSetCookies
            || !request.HttpShouldHandleCookies || request.Headers.ContainsKey("Cookie"))
            return;
        if (HttpCookieStorage.CookieHeader(storage.CookiesFor(request.Url)) is { } header)
            message.Headers.TryAddWithoutValidation("Cookie", header);
    }

    /// <summary>The response's <c>Set-Cookie</c> lines, as the accept policy allows.</summary>
    public void Store(UrlRequest request, HttpResponseMessage reply)
    {
        if (configuration.HttpCookieStorage is not { } storage || !request.HttpShouldHandleCookies
            || configuration.HttpCookieAcceptPolicy == HttpCookieAcceptPolicy.Never
            || !reply.Headers.TryGetValues("Set-Cookie", out var lines))
            return;
        var url = request.Url;
        if (configuration.HttpCookieAcceptPolicy == HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain
            && request.MainDocumentUrl is { } main
            && !HttpCookieStorage.IsFromMainDocumentDomain(url, main))
            return;
        storage.SetCookies(HttpCookie.Parse(lines, url), url, mainDocumentUrl: null);
    }
}

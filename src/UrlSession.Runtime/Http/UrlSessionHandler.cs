using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading;

/// <summary>
/// Runs <see cref="HttpClient"/> code over a <see cref="UrlSession"/>: every request becomes a data task of the
/// session, so its cache, cookie and credential storage, delegate (challenges, redirects, caching, metrics and
/// completion) and timeouts apply. The request content streams out and the response body streams in, at most about a
/// megabyte in memory whatever its size (<see cref="HttpCompletionOption.ResponseHeadersRead"/>); the request's
/// <see cref="CancellationToken"/> cancels the task. Failures surface as <see cref="HttpClient"/> callers expect:
/// <see cref="HttpRequestException"/> with <see cref="HttpRequestException.HttpRequestError"/> set and the
/// <see cref="UrlError"/> as inner exception, or <see cref="TaskCanceledException"/> for a cancellation or a timeout
/// (a timeout wraps a <see cref="TimeoutException"/> whose inner exception is the <see cref="UrlError"/>).
/// </summary>
/// <remarks>
/// The session chooses the protocol version (<see cref="UrlSessionConfiguration.HttpShouldUsePipelining"/>), so
/// <see cref="HttpRequestMessage.Version"/> is not used; the response's <see cref="HttpResponseMessage.Version"/> is
/// the one spoken. Redirects are followed by the session, and <see cref="HttpResponseMessage.RequestMessage"/>'s
/// <see cref="HttpRequestMessage.RequestUri"/> then is the final URL, as with <see cref="SocketsHttpHandler"/>.
/// The handler does not own the session: disposing it (as <c>IHttpClientFactory</c> does every few minutes) leaves
/// the session running. Background sessions cannot run data tasks and are refused.
/// </remarks>
public sealed class UrlSessionHandler : HttpMessageHandler
{
    /// <summary>Creates a handler that sends every request through <paramref name="session"/>.</summary>
    /// <param name="session">A default or ephemeral session; it keeps running when the handler is disposed.</param>
    /// <exception cref="ArgumentException">The session is a background session, which runs no data tasks.</exception>
    public UrlSessionHandler(UrlSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.ConfigurationSnapshot.IsBackground)
            throw new ArgumentException("A background session runs only download and file-upload tasks, not HttpClient requests; give UrlSessionHandler a default or ephemeral session.", nameof(session));
        Session = session;
    }

    /// <summary>The session the requests run in.</summary>
    public UrlSession Session { get; }

    /// <summary>Sends the request as a data task of <see cref="Session"/> and returns once the response headers arrived.</summary>
    /// <param name="request">The request; its content, if any, is sent as the body.</param>
    /// <param name="cancellationToken">Cancels the task, until the headers arrived (reads of the body take their own token).</param>
    /// <returns>The response, whose content streams the body.</returns>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var task = Session.DataTask(ToUrlRequest(request, cancellationToken));
        var streamed = StreamedResponse.Attach(task);
        UrlResponse response;
        using (cancellationToken.UnsafeRegister(static t => ((UrlSessionTask)t!).Cancel(), task))
        {
            task.Resume();
            response = await streamed.ResponseAsync(cancellationToken).ConfigureAwait(false);
        }
        return ToResponseMessage(request, response, streamed.Body);
    }

    private static UrlRequest ToUrlRequest(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is not { IsAbsoluteUri: true } url)
            throw new InvalidOperationException($"The request URI '{request.RequestUri}' is not absolute; set HttpClient.BaseAddress or pass an absolute URL.");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers.NonValidated)
            headers[name] = values.ToString();
        Func<Stream>? body = null;
        if (request.Content is { } content)
        {
            foreach (var (name, values) in content.Headers.NonValidated)
                headers[name] = values.ToString();
            // Computed by the content (bytes, strings, seekable streams); without it the body goes out chunked.
            if (content.Headers.ContentLength is long length)
                headers["Content-Length"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            body = RequestBody.Of(content, cancellationToken);
        }
        return new UrlRequest(url) { HttpMethod = request.Method.Method, Headers = headers, HttpBodyStream = body };
    }

    private static HttpResponseMessage ToResponseMessage(HttpRequestMessage request, UrlResponse response, Stream body)
    {
        var content = new StreamContent(body);
        var message = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = content };
        if (response is HttpUrlResponse http)
        {
            message.StatusCode = (HttpStatusCode)http.StatusCode;
            message.Version = VersionOf(http.HttpVersion);
            // The response's headers are joined per name with ", "; content headers go where HttpClient keeps them.
            foreach (var (name, value) in http.Headers)
            {
                if (!message.Headers.TryAddWithoutValidation(name, value))
                    content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        else
        {
            if (response.MimeType is { } type)
                content.Headers.TryAddWithoutValidation("Content-Type", type);
            if (response.ExpectedContentLength >= 0)
                content.Headers.ContentLength = response.ExpectedContentLength;
        }
        if (request.RequestUri != response.Url)
            request.RequestUri = response.Url;
        return message;
    }

    private static Version VersionOf(string httpVersion) =>
        httpVersion.StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase) && Version.TryParse(httpVersion.AsSpan(5), out var parsed)
            ? parsed
            : httpVersion.StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase) && int.TryParse(httpVersion.AsSpan(5), out int major)
                ? new Version(major, 0)
                : HttpVersion.Version11;
}

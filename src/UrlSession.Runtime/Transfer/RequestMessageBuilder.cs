using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;

namespace UrlLoading.Transfer;

/// <summary>The one place the library adds request headers: "where is a header added?" has this answer.</summary>
internal sealed class RequestMessageBuilder(UrlSessionConfiguration configuration, CookieStage cookies)
{
    private static readonly string s_userAgent =
        $"UrlSession/{typeof(RequestMessageBuilder).Assembly.GetName().Version?.ToString(3)} (.NET)";

    /// <summary>
    /// A task's request for one hop: its own headers, the configuration's additional headers (kept to the original
    /// origin), User-Agent, the hop's authorization, cookies, proxy authorization and, for a revalidation, the
    /// conditional headers.
    /// </summary>
    public async ValueTask<HttpRequestMessage> BuildAsync(UrlSessionTask task, UrlRequest request, string? authorization,
        string? proxyAuthorization, IReadOnlyDictionary<string, string>? conditional, TransferClock clock)
    {
        var message = new HttpRequestMessage(MethodOf(request.HttpMethod), request.Url)
        {
            Version = configuration.HttpShouldUsePipelining ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = await task.CreateContentAsync(request, clock).ConfigureAwait(false),
        };

        // Enumerating through the interfaces allocates: most requests have no headers of their own to add.
        if (request.Headers.Count > 0)
        {
            foreach (var (name, value) in request.Headers)
                AddHeader(message, name, value);
        }
        if (configuration.HttpAdditionalHeaders.Count > 0)
        {
            foreach (var (name, value) in configuration.HttpAdditionalHeaders)
            {
                if (!request.Headers.ContainsKey(name)
                    && RedirectStage.MaySendAppHeader(name, task.OriginalRequest.Url, request.Url))
                    AddHeader(message, name, value);
            }
        }
        AddUserAgent(message);
        // Apple's default for a body set on the request itself: a form, unless the app said otherwise.
        if (request.HttpBody is not null && task is not UrlSessionUploadTask && message.Content is { } content
            && content.Headers.ContentType is null)
            content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");
        if (authorization is not null)
        {
            message.Headers.Remove("Authorization");
            message.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        cookies.Attach(request, message);
        if (proxyAuthorization is not null)
            message.Headers.TryAddWithoutValidation("Proxy-Authorization", proxyAuthorization);
        AddConditional(message, conditional);
        return message;
    }

    /// <summary>
    /// A plain GET outside any task (a background revalidation): the request's headers, the conditional ones,
    /// User-Agent, cookies.
    /// </summary>
    public HttpRequestMessage BuildFetch(UrlRequest request, IReadOnlyDictionary<string, string>? conditional)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, request.Url);
        foreach (var (name, value) in request.Headers)
            AddHeader(message, name, value);
        AddConditional(message, conditional);
        AddUserAgent(message);
        cookies.Attach(request, message);
        return message;
    }

    /// <summary>The library's User-Agent, unless the request or the configuration set one.</summary>
    private static void AddUserAgent(HttpRequestMessage message)
    {
        if (!message.Headers.Contains("User-Agent"))
            message.Headers.TryAddWithoutValidation("User-Agent", s_userAgent);
    }

    private static void AddConditional(HttpRequestMessage message, IReadOnlyDictionary<string, string>? conditional)
    {
        if (conditional is null)
            return;
        foreach (var (name, value) in conditional)
            message.Headers.TryAddWithoutValidation(name, value);
    }

    /// <summary>The shared instance for the usual methods (exactly as spelled), else a new one.</summary>
    private static HttpMethod MethodOf(string method) => method switch
    {
        "GET" => HttpMethod.Get,
        "POST" => HttpMethod.Post,
        "PUT" => HttpMethod.Put,
        "HEAD" => HttpMethod.Head,
        "DELETE" => HttpMethod.Delete,
        _ => new HttpMethod(method),
    };

    private static void AddHeader(HttpRequestMessage message, string name, string value)
    {
        if (message.Headers.TryAddWithoutValidation(name, value))
            return;
        // Content headers (Content-Type, ...) belong to the body; a bodiless request gets an empty one to carry them.
        message.Content ??= new ReadOnlyMemoryContent(ReadOnlyMemory<byte>.Empty);
        message.Content.Headers.Remove(name);
        message.Content.Headers.TryAddWithoutValidation(name, value);
    }
}

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading.Transfer;

/// <summary>
/// One session's HTTP machinery, composed once per session. A task's request goes down the stages in this order, each
/// in a file of its own:
/// <list type="number">
/// <item><see cref="CacheStage"/>: answers from the session's <see cref="UrlCache"/> or revalidates (data tasks with a
/// cache only; skipped otherwise);</item>
/// <item><see cref="RedirectStage"/>: follows 3xx hops, asking the delegate;</item>
/// <item><see cref="AuthenticationStage"/>: answers 401/407 challenges;</item>
/// <item><see cref="CookieStage"/>: attaches and stores cookies on every hop;</item>
/// <item>the network: <see cref="RequestMessageBuilder"/> (every header the library adds) and the session's
/// <see cref="SocketsHttpHandler"/> from <see cref="SessionHandlerFactory"/>, TLS decided by
/// <see cref="ServerTrustEvaluator"/>.</item>
/// </list>
/// The loop in <see cref="SendToNetworkAsync"/> drives the hops; the task then reads the body of the last one.
/// </summary>
internal sealed class TransferEngine : IDisposable
{
    private readonly UrlSessionConfiguration _configuration;
    private readonly ServerTrustEvaluator _trust;
    private readonly CookieStage _cookies;
    private readonly AuthenticationStage _authentication;
    private readonly RequestMessageBuilder _builder;
    private readonly HttpMessageInvoker _invoker;
    private readonly ConcurrentDictionary<Handshake, HttpMessageInvoker> _handshakeInvokers = new();

    public TransferEngine(UrlSessionConfiguration configuration, UrlSession? session = null)
    {
        _configuration = configuration;
        _trust = new ServerTrustEvaluator(session);
        _cookies = new CookieStage(configuration);
        _authentication = new AuthenticationStage(configuration);
        _builder = new RequestMessageBuilder(configuration, _cookies);
        _invoker = SessionHandlerFactory.CreateInvoker(configuration, _trust, null);
    }

    /// <summary>The session's one timer, checking the timeouts of its running tasks.</summary>
    public TransferTimers Timers { get; } = new();

    public static string ProtocolName(Version version) => (version.Major, version.Minor) switch
    {
        (2, _) => "h2",
        (3, _) => "h3",
        (1, 1) => "http/1.1",
        (1, 0) => "http/1.0",
        var (major, minor) => $"http/{major}.{minor}",
    };

    /// <summary>
    /// The response the task reads: from the session's cache when RFC 9111 (and the request's cache policy) allow,
    /// else from the network, revalidating a stored response when it has a validator. Data tasks only; uploads and
    /// downloads always go to the network.
    /// </summary>
    /// <remarks>Not async itself: each stage's task is handed on as it is, with no state machine of its own.</remarks>
    public Task<Exchange> SendAsync(UrlSessionTask task, TransferClock clock, MetricsRecorder metrics) =>
        task is not UrlSessionDataTask || task is UrlSessionUploadTask || _configuration.UrlCache is not { } cache
            ? SendToNetworkAsync(task, clock, metrics, null)
            : CacheStage.SendAsync(this, cache, _configuration, task, clock, metrics);

    /// <summary>Sends the task's request (with <paramref name="conditional"/> headers on the first hop), following redirects and challenges.</summary>
    public async Task<Exchange> SendToNetworkAsync(UrlSessionTask task, TransferClock clock, MetricsRecorder metrics, IReadOnlyDictionary<string, string>? conditional)
    {
        var session = task.Session;
        var request = task.CurrentRequest;
        string? authorization = null;
        string? proxyAuthorization = null;
        UrlCredential? triedCredential = null;
        UrlProtectionSpace? triedSpace = null;
        Handshake? handshake = null;
        int failures = 0;
        while (true)
        {
            var fetchStart = DateTimeOffset.UtcNow;
            using var message = await _builder.BuildAsync(task, request, authorization, proxyAuthorization,
                metrics.RedirectCount == 0 ? conditional : null, clock).ConfigureAwait(false);
            HttpResponseMessage reply;
            // Only a TLS handshake (to the server or an HTTPS proxy) reports here; setting an AsyncLocal costs an allocation.
            var trust = request.Url.Scheme == Uri.UriSchemeHttps || _configuration.ConnectionProxy is not null
                ? ServerTrustEvaluator.Begin()
                : null;
            try
            {
                reply = await InvokerFor(handshake).SendAsync(message, clock.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                if (metrics.Collects)
                    metrics.Record(new UrlSessionTaskTransactionMetrics(request, null, fetchStart, null, DateTimeOffset.UtcNow, null, 0));
                // An HTTPS proxy that refuses the CONNECT with 407: the tunnel's own proxy challenge, answered through a
                // pool whose handler logs in to that proxy (the request's own headers travel inside the tunnel).
                if (e is HttpRequestException { HttpRequestError: HttpRequestError.ProxyTunnelError, StatusCode: HttpStatusCode.ProxyAuthenticationRequired }
                    && _authentication.TunnelSpace(request.Url) is { } tunnel)
                {
                    var proposed = (triedSpace == tunnel ? triedCredential : null) ?? _configuration.UrlCredentialStorage?.GetDefaultCredential(tunnel, task);
                    var credential = await AuthenticationStage.AnswerChallengeAsync(task, new UrlAuthenticationChallenge(tunnel, proposed, failures, null, null), clock).ConfigureAwait(false);
                    if (credential is null || ++failures > AuthenticationStage.MaximumFailures)
                        throw new UrlError(UrlErrorCode.UserAuthenticationRequired, request.Url,
                            credential is null
                                ? $"The HTTPS proxy {tunnel.Host}:{tunnel.Port} requires authentication; answer its proxy challenge (IsProxy) in DidReceiveChallenge."
                                : $"The HTTPS proxy {tunnel.Host}:{tunnel.Port} refused {AuthenticationStage.MaximumFailures} credentials.", e);
                    (handshake, triedCredential, triedSpace) = (new Handshake(tunnel, credential), credential, tunnel);
                    continue;
                }
                if (trust?.Refusal is { } refusal && e is HttpRequestException)
                    throw new UrlError(refusal, request.Url, trust!.Why, e);
                // With TLS 1.3 the server refuses a missing certificate after the client's side of the handshake, so the
                // failure shows as a closed connection rather than a handshake error: the request asked, that decides.
                if (trust is { ClientCertificateAsked: true } && e is HttpRequestException)
                    throw trust.ClientCertificate is null
                        ? new UrlError(UrlErrorCode.ClientCertificateRequired, request.Url, "The server requires a client certificate; answer the session's DidReceiveChallenge for NSURLAuthenticationMethodClientCertificate with UrlCredential.ForClientCertificate.", e)
                        : new UrlError(UrlErrorCode.ClientCertificateRejected, request.Url, "The server rejected the client certificate.", e);
                throw;
            }
            clock.Touch();
            var responseStart = DateTimeOffset.UtcNow;
            var response = ToUrlResponse(request.Url, reply);
            task.Response = response;
            _cookies.Store(request, reply);
            var exchange = new Exchange(request, reply, response, fetchStart, responseStart);
            bool handedOver = false;
            try
            {
                if (triedCredential is not null && response.StatusCode != (triedSpace!.IsProxy ? 407 : 401))
                {
                    // The credential worked: keep it for next time, as its persistence allows.
                    _configuration.UrlCredentialStorage?.SetCredential(triedCredential, triedSpace!);
                    triedCredential = null;
                }

                if (RedirectStage.IsFollowable(response.StatusCode) && response.ValueForHttpHeaderField("Location") is { } location)
                {
                    var next = RedirectStage.NextRequest(request, response, location);
                    if (++metrics.RedirectCount > _configuration.MaximumRedirects)
                        throw new UrlError(UrlErrorCode.HttpTooManyRedirects, request.Url, $"More than {_configuration.MaximumRedirects} redirects; the last pointed to {next.Url}.");
                    if (session.Answers(UrlSessionCallbacks.WillPerformHttpRedirection))
                    {
                        clock.Pause();
                        next = await session.WillPerformHttpRedirectionAsync(task, response, next).ConfigureAwait(false);
                        clock.Touch();
                    }
                    if (next is not null)
                    {
                        request = next;
                        task.CurrentRequest = next;
                        authorization = null;
                        if (handshake is { Space.IsProxy: false })
                            handshake = null;
                        failures = 0;
                        continue;
                    }
                }
                else if (_authentication.ChallengedSpace(request.Url, response.StatusCode, reply) is var (space, answer) && space is not null)
                {
                    var proposed = (triedSpace == space ? triedCredential : null) ?? _configuration.UrlCredentialStorage?.GetDefaultCredential(space, task);
                    var challenge = new UrlAuthenticationChallenge(space, proposed, failures, response, null);
                    var credential = await AuthenticationStage.AnswerChallengeAsync(task, challenge, clock).ConfigureAwait(false);
                    if (credential is not null)
                    {
                        if (++failures > AuthenticationStage.MaximumFailures)
                            throw new UrlError(UrlErrorCode.UserAuthenticationRequired, request.Url, $"The server refused {AuthenticationStage.MaximumFailures} credentials for {space.Host} (realm '{space.Realm}'); check the user name and password.");
                        if (answer is null)
                        {
                            // NTLM and Negotiate: the handshake runs on one connection of a pool that holds the credential.
                            if (space.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodNtlm && !WindowsAuthentication.IsNtlmAvailable)
                                throw new UrlError(UrlErrorCode.UserAuthenticationRequired, request.Url, $"{space.Host} asks for NTLM. {WindowsAuthentication.NtlmUnavailable}");
                            handshake = new Handshake(space, credential);
                        }
                        else if (space.IsProxy)
                        {
                            proxyAuthorization = answer(credential, request, failures);
                        }
                        else
                        {
                            authorization = answer(credential, request, failures);
                        }
                        triedCredential = credential;
                        triedSpace = space;
                        continue;
                    }
                }
                handedOver = true;
                return exchange;
            }
            finally
            {
                if (!handedOver)
                {
                    exchange.Complete(metrics);
                    exchange.Dispose();
                }
            }
        }
    }

    public void Dispose()
    {
        Timers.Dispose();
        _invoker.Dispose();
        foreach (var invoker in _handshakeInvokers.Values)
            invoker.Dispose();
        _handshakeInvokers.Clear();
    }

    private HttpMessageInvoker InvokerFor(Handshake? handshake) =>
        handshake is not { } key ? _invoker
            : _handshakeInvokers.GetOrAdd(key, static (k, e) => SessionHandlerFactory.CreateInvoker(e._configuration, e._trust, k), this);

    /// <summary>
    /// A plain GET outside any task (stale-while-revalidate's background revalidation): no redirects, no challenges.
    /// A body longer than <paramref name="maximumBodySize"/> (after content decoding) fails with an
    /// <see cref="HttpRequestException"/> once that much has been read.
    /// </summary>
    public async Task<(HttpUrlResponse Response, byte[] Body)> FetchAsync(UrlRequest request,
        IReadOnlyDictionary<string, string>? conditional, long maximumBodySize, CancellationToken cancellationToken)
    {
        using var message = _builder.BuildFetch(request, conditional);
        using var reply = await _invoker.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await reply.Content.LoadIntoBufferAsync(maximumBodySize, cancellationToken).ConfigureAwait(false);
        byte[] body = await reply.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return (ToUrlResponse(request.Url, reply), body);
    }

    private static HttpUrlResponse ToUrlResponse(Uri url, HttpResponseMessage reply) =>
        HttpUrlResponse.Create(url, (int)reply.StatusCode, VersionName(reply.Version), ResponseHeaders.Of(reply));

    private static string VersionName(Version version) => (version.Major, version.Minor) switch
    {
        (1, 1) => "HTTP/1.1",
        (2, 0) => "HTTP/2.0",
        (1, 0) => "HTTP/1.0",
        (3, 0) => "HTTP/3.0",
        var (major, minor) => $"HTTP/{major}.{minor}",
    };


}

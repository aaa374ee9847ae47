using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;

namespace UrlLoading.Transfer;

/// <summary>
/// One session's HTTP machinery: a private <see cref="SocketsHttpHandler"/> pool, and the loop that sends a task's
/// request and follows redirects and authentication challenges until the response whose body the task reads.
/// </summary>
internal sealed class TransferEngine : IDisposable
{
    private const int MaximumAuthenticationFailures = 5;
    private static readonly string s_userAgent = $"UrlSession/{typeof(TransferEngine).Assembly.GetName().Version?.ToString(3)} (.NET)";
    private static readonly AsyncLocal<TrustOutcome?> s_trust = new();
    private readonly UrlSessionConfiguration _configuration;
    private readonly UrlSession? _session;
    private readonly HttpMessageInvoker _invoker;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Handshake, HttpMessageInvoker> _handshakeInvokers = new();

    public TransferEngine(UrlSessionConfiguration configuration, UrlSession? session = null)
    {
        _configuration = configuration;
        _session = session;
        _invoker = CreateInvoker(configuration, null);
    }

    /// <summary>The session's one timer, checking the timeouts of its running tasks.</summary>
    public TransferTimers Timers { get; } = new();

    /// <summary>
    /// A credential the handler itself must present (NTLM, Negotiate, or an HTTPS proxy's CONNECT login) for one
    /// protection space: requests that carry it go through a pool of their own.
    /// </summary>
    private readonly record struct Handshake(UrlProtectionSpace Space, UrlCredential Credential);

    /// <summary>Why the last TLS handshake of this request flow refused the server, when it did.</summary>
    private sealed class TrustOutcome
    {
        public UrlErrorCode? Refusal { get; set; }

        public string? Why { get; set; }

        /// <summary>The server asked for a client certificate; <see cref="ClientCertificate"/> is what was sent, if anything.</summary>
        public bool ClientCertificateAsked { get; set; }

        public System.Security.Cryptography.X509Certificates.X509Certificate? ClientCertificate { get; set; }
    }

    /// <summary>
    /// A server that asks for a client certificate raises the session-level challenge
    /// <see cref="UrlProtectionSpace.AuthenticationMethodClientCertificate"/>; the delegate answers with
    /// <see cref="UrlCredential.ForClientCertificate"/>. Without an answer no certificate is sent.
    /// </summary>
    private System.Security.Cryptography.X509Certificates.X509Certificate? SelectClientCertificate(object sender, string targetHost,
        System.Security.Cryptography.X509Certificates.X509CertificateCollection localCertificates,
        System.Security.Cryptography.X509Certificates.X509Certificate? remoteCertificate, string[] acceptableIssuers)
    {
        var outcome = s_trust.Value;
        // Called before the server has asked (no remote certificate yet): nothing to offer until it does.
        if (remoteCertificate is null)
            return null;
        if (outcome is { ClientCertificateAsked: true })
            return outcome.ClientCertificate;
        if (outcome is not null)
            outcome.ClientCertificateAsked = true;
        if (_session is not { } session || !session.Answers(UrlSessionCallbacks.DidReceiveSessionChallenge))
            return null;
        var space = new UrlProtectionSpace(targetHost, 0, Uri.UriSchemeHttps, null, UrlProtectionSpace.AuthenticationMethodClientCertificate)
        {
            DistinguishedNames = acceptableIssuers,
        };
        var (disposition, credential) = session.DidReceiveSessionChallengeAsync(new UrlAuthenticationChallenge(space, null, 0, null, null)).AsTask().GetAwaiter().GetResult();
        var chosen = disposition == AuthChallengeDisposition.UseCredential ? credential?.ClientCertificate : null;
        if (outcome is not null)
            outcome.ClientCertificate = chosen;
        return chosen;
    }

    /// <summary>
    /// Every server certificate: the platform's verdict, then the session delegate's word when it answers the
    /// session-level challenge (server trust). Without a delegate, or with default handling, validation is never
    /// weakened; only an explicit <see cref="UrlCredential.ForTrust"/> accepts a chain the platform rejects.
    /// </summary>
    private bool TrustServer(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors)
    {
        var outcome = s_trust.Value;
        bool badDate = chain?.ChainStatus.Any(s => s.Status is System.Security.Cryptography.X509Certificates.X509ChainStatusFlags.NotTimeValid) ?? false;
        // A date problem: not valid yet (-1204, usually a wrong clock on one side), else expired (-1201).
        UrlErrorCode refusal = !badDate ? UrlErrorCode.ServerCertificateUntrusted
            : certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 { NotBefore: var notBefore } && notBefore.ToUniversalTime() > DateTime.UtcNow
                ? UrlErrorCode.ServerCertificateNotYetValid
                : UrlErrorCode.ServerCertificateHasBadDate;
        if (certificate is null)
            return Refuse(UrlErrorCode.SecureConnectionFailed, "The server presented no certificate.");
        if (_session is not { } session || !session.Answers(UrlSessionCallbacks.DidReceiveSessionChallenge))
            return errors == System.Net.Security.SslPolicyErrors.None || Refuse(refusal, $"The server's certificate is not trusted ({errors}).");

        string host = (sender as System.Net.Security.SslStream)?.TargetHostName ?? "";
        // Copies: the handshake disposes its own certificate objects when it ends, and the delegate may keep the trust.
        var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var elements = chain?.ChainElements.Select(e => System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(e.Certificate.RawData)).ToList() ?? [leaf];
        var trust = new ServerTrust(host, leaf, elements, errors, badDate);
        var space = new UrlProtectionSpace(host, 0, Uri.UriSchemeHttps, null, UrlProtectionSpace.AuthenticationMethodServerTrust) { ServerTrust = trust };
        // The handshake waits for the answer, as Apple's does; this runs on a pool thread, never on the delegate queue.
        var (disposition, credential) = session.DidReceiveSessionChallengeAsync(new UrlAuthenticationChallenge(space, null, 0, null, null)).AsTask().GetAwaiter().GetResult();
        return disposition switch
        {
            AuthChallengeDisposition.UseCredential when credential?.ServerTrust == trust => true,
            AuthChallengeDisposition.CancelAuthenticationChallenge => Refuse(UrlErrorCode.Cancelled, "The delegate cancelled the server trust challenge."),
            AuthChallengeDisposition.RejectProtectionSpace => Refuse(refusal, "The delegate rejected the server's certificate."),
            _ => errors == System.Net.Security.SslPolicyErrors.None || Refuse(refusal, $"The server's certificate is not trusted ({errors}) and the delegate left it to default handling."),
        };

        bool Refuse(UrlErrorCode code, string why)
        {
            if (outcome is not null)
                (outcome.Refusal, outcome.Why) = (code, why);
            return false;
        }
    }

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
            : ResponseCache.SendAsync(this, cache, _configuration, task, clock, metrics);

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
            using var message = await BuildMessageAsync(task, request, authorization, clock).ConfigureAwait(false);
            if (proxyAuthorization is not null)
                message.Headers.TryAddWithoutValidation("Proxy-Authorization", proxyAuthorization);
            if (conditional is not null && metrics.RedirectCount == 0)
            {
                foreach (var (name, value) in conditional)
                    message.Headers.TryAddWithoutValidation(name, value);
            }
            HttpResponseMessage reply;
            // Only a TLS handshake (to the server or an HTTPS proxy) reports here; setting an AsyncLocal costs an allocation.
            var trust = request.Url.Scheme == Uri.UriSchemeHttps || _configuration.ConnectionProxy is not null
                ? s_trust.Value = new TrustOutcome()
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
                    && TunnelSpace(request.Url) is { } tunnel)
                {
                    var proposed = (triedSpace == tunnel ? triedCredential : null) ?? _configuration.UrlCredentialStorage?.DefaultCredential(tunnel);
                    var credential = await AnswerChallengeAsync(task, new UrlAuthenticationChallenge(tunnel, proposed, failures, null, null), clock).ConfigureAwait(false);
                    if (credential is null || ++failures > MaximumAuthenticationFailures)
                        throw new UrlError(UrlErrorCode.UserAuthenticationRequired, request.Url,
                            credential is null
                                ? $"The HTTPS proxy {tunnel.Host}:{tunnel.Port} requires authentication; answer its proxy challenge (IsProxy) in DidReceiveChallenge."
                                : $"The HTTPS proxy {tunnel.Host}:{tunnel.Port} refused {MaximumAuthenticationFailures} credentials.", e);
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
            StoreCookies(request, reply);
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

                if (Redirects.IsFollowable(response.StatusCode) && response.ValueForHttpHeaderField("Location") is { } location)
                {
                    var next = Redirects.NextRequest(request, response, location);
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
                else if (ChallengedSpace(request.Url, response.StatusCode, reply) is var (space, answer) && space is not null)
                {
                    var proposed = (triedSpace == space ? triedCredential : null) ?? _configuration.UrlCredentialStorage?.DefaultCredential(space);
                    var challenge = new UrlAuthenticationChallenge(space, proposed, failures, response, null);
                    var credential = await AnswerChallengeAsync(task, challenge, clock).ConfigureAwait(false);
                    if (credential is not null)
                    {
                        if (++failures > MaximumAuthenticationFailures)
                            throw new UrlError(UrlErrorCode.UserAuthenticationRequired, request.Url, $"The server refused {MaximumAuthenticationFailures} credentials for {space.Host} (realm '{space.Realm}'); check the user name and password.");
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
        handshake is not { } key ? _invoker : _handshakeInvokers.GetOrAdd(key, k => CreateInvoker(_configuration, k));

    /// <summary>
    /// The protection space a 401 (the server's, from <c>WWW-Authenticate</c>) or a 407 (the proxy's, from
    /// <c>Proxy-Authenticate</c>; Apple's proxy challenge) asks credentials for, with how to answer it. The strongest
    /// scheme wins: Negotiate and NTLM when the platform can run them (a null answer: the handshake is connection-level),
    /// then Digest (the password never crosses the wire), then Basic, then Negotiate or NTLM even where unavailable
    /// (Kerberos may still work; NTLM fails with an error naming the fix). Null when it offers none of them.
    /// </summary>
    private (UrlProtectionSpace? Space, Func<UrlCredential, UrlRequest, int, string>? Answer) ChallengedSpace(Uri url, int status, HttpResponseMessage reply)
    {
        Uri target = url;
        HttpHeaderValueCollection<AuthenticationHeaderValue> challenges;
        if (status == 401)
        {
            challenges = reply.Headers.WwwAuthenticate;
        }
        else if (status == 407 && _configuration.ConnectionProxy is { } proxies && !proxies.Bypasses(url.IdnHost)
            && (url.Scheme == Uri.UriSchemeHttps ? proxies.HttpsProxy : proxies.HttpProxy) is { } proxy)
        {
            target = proxy;
            challenges = reply.Headers.ProxyAuthenticate;
        }
        else
        {
            return (null, null);
        }
        bool isProxy = status == 407;
        if (WindowsAuthentication.ProtectionSpaceOf(target, challenges, evenIfUnavailable: false) is { } windows)
            return (windows with { IsProxy = isProxy }, null);
        if (DigestAuthentication.ChallengeOf(target, challenges) is var (digestSpace, parameters))
            return (digestSpace with { IsProxy = isProxy }, (credential, request, attempt) => DigestAuthentication.AuthorizationHeader(credential, parameters, request.HttpMethod, request.Url, attempt));
        if (BasicAuthentication.ProtectionSpaceOf(target, challenges) is { } basic)
            return (basic with { IsProxy = isProxy }, (credential, _, _) => BasicAuthentication.AuthorizationHeader(credential));
        if (WindowsAuthentication.ProtectionSpaceOf(target, challenges, evenIfUnavailable: true) is { } unavailable)
            return (unavailable with { IsProxy = isProxy }, null);
        return (null, null);
    }

    /// <summary>
    /// The protection space of the HTTPS proxy that carries <paramref name="url"/>, for a 407 to its CONNECT. The
    /// handler reports the status but not the proxy's challenge, so the method is
    /// <see cref="UrlProtectionSpace.AuthenticationMethodDefault"/> and the credential is offered to whichever scheme the
    /// proxy asks for (Basic, Digest, NTLM, Negotiate).
    /// </summary>
    private UrlProtectionSpace? TunnelSpace(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps && _configuration.ConnectionProxy is { HttpsProxy: { } proxy } proxies && !proxies.Bypasses(url.IdnHost)
            ? new UrlProtectionSpace(proxy.IdnHost.ToLowerInvariant(), proxy.Port, proxy.Scheme, null, UrlProtectionSpace.AuthenticationMethodDefault) { IsProxy = true }
            : null;

    /// <summary>
    /// A plain GET outside any task (stale-while-revalidate's background revalidation): no redirects, no challenges.
    /// A body longer than <paramref name="maximumBodySize"/> (after content decoding) fails with an
    /// <see cref="HttpRequestException"/> once that much has been read.
    /// </summary>
    public async Task<(HttpUrlResponse Response, byte[] Body)> FetchAsync(UrlRequest request,
        IReadOnlyDictionary<string, string>? conditional, long maximumBodySize, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, request.Url);
        foreach (var (name, value) in request.Headers)
            AddHeader(message, name, value);
        foreach (var (name, value) in conditional ?? ImmutableDictionary<string, string>.Empty)
            message.Headers.TryAddWithoutValidation(name, value);
        message.Headers.TryAddWithoutValidation("User-Agent", s_userAgent);
        AttachCookies(request, message);
        using var reply = await _invoker.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await reply.Content.LoadIntoBufferAsync(maximumBodySize, cancellationToken).ConfigureAwait(false);
        byte[] body = await reply.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return (ToUrlResponse(request.Url, reply), body);
    }

    private async ValueTask<UrlCredential?> AnswerChallengeAsync(UrlSessionTask task, UrlAuthenticationChallenge challenge, TransferClock clock)
    {
        var (disposition, credential) = (AuthChallengeDisposition.PerformDefaultHandling, (UrlCredential?)null);
        if (task.Session.Answers(UrlSessionCallbacks.DidReceiveTaskChallenge))
        {
            clock.Pause();
            (disposition, credential) = await task.Session.DidReceiveTaskChallengeAsync(task, challenge).ConfigureAwait(false);
            clock.Touch();
        }
        return disposition switch
        {
            AuthChallengeDisposition.UseCredential => credential,
            // Default handling tries the stored credential once; after a failure the 401 is delivered as the response.
            AuthChallengeDisposition.PerformDefaultHandling => challenge.PreviousFailureCount == 0 ? challenge.ProposedCredential : null,
            AuthChallengeDisposition.CancelAuthenticationChallenge =>
                throw new UrlError(UrlErrorCode.Cancelled, task.CurrentRequest.Url, "The delegate cancelled the authentication challenge."),
            _ => null,
        };
    }

    private async ValueTask<HttpRequestMessage> BuildMessageAsync(UrlSessionTask task, UrlRequest request, string? authorization, TransferClock clock)
    {
        var message = new HttpRequestMessage(MethodOf(request.HttpMethod), request.Url)
        {
            Version = _configuration.HttpShouldUsePipelining ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = await task.CreateContentAsync(request, clock).ConfigureAwait(false),
        };

        // Enumerating through the interfaces allocates: most requests have no headers of their own to add.
        if (request.Headers.Count > 0)
        {
            foreach (var (name, value) in request.Headers)
                AddHeader(message, name, value);
        }
        if (_configuration.HttpAdditionalHeaders.Count > 0)
        {
            foreach (var (name, value) in _configuration.HttpAdditionalHeaders)
            {
                if (!request.Headers.ContainsKey(name) && Redirects.MaySendAppHeader(name, task.OriginalRequest.Url, request.Url))
                    AddHeader(message, name, value);
            }
        }
        if (!message.Headers.Contains("User-Agent"))
            message.Headers.TryAddWithoutValidation("User-Agent", s_userAgent);
        if (authorization is not null)
        {
            message.Headers.Remove("Authorization");
            message.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        AttachCookies(request, message);
        return message;
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

    private void AttachCookies(UrlRequest request, HttpRequestMessage message)
    {
        if (_configuration.HttpCookieStorage is not { } storage || !_configuration.HttpShouldSetCookies
            || !request.HttpShouldHandleCookies || request.Headers.ContainsKey("Cookie"))
            return;
        if (HttpCookieStorage.CookieHeader(storage.CookiesFor(request.Url)) is { } header)
            message.Headers.TryAddWithoutValidation("Cookie", header);
    }

    private void StoreCookies(UrlRequest request, HttpResponseMessage reply)
    {
        if (_configuration.HttpCookieStorage is not { } storage || !request.HttpShouldHandleCookies
            || _configuration.HttpCookieAcceptPolicy == HttpCookieAcceptPolicy.Never
            || !reply.Headers.TryGetValues("Set-Cookie", out var lines))
            return;
        var url = request.Url;
        if (_configuration.HttpCookieAcceptPolicy == HttpCookieAcceptPolicy.OnlyFromMainDocumentDomain
            && request.MainDocumentUrl is { } main
            && !HttpCookie.DomainMatches(url.IdnHost.ToLowerInvariant(), main.IdnHost.ToLowerInvariant()))
            return;
        storage.SetCookies(HttpCookie.Parse(lines, url), url, mainDocumentUrl: null);
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

    /// <summary>
    /// A connection pool with the configuration's settings and this session's TLS callbacks; for a
    /// <paramref name="handshake"/>, one whose handler also holds that NTLM/Negotiate credential for that space only
    /// (the server's origin, or the proxy), so the handshake stays on one connection and goes nowhere else.
    /// </summary>
    private HttpMessageInvoker CreateInvoker(UrlSessionConfiguration configuration, Handshake? handshake)
    {
        var handler = CreateHandler(configuration);
        handler.SslOptions.RemoteCertificateValidationCallback = TrustServer;
        handler.SslOptions.LocalCertificateSelectionCallback = SelectClientCertificate;
        if (handshake is var (space, credential))
        {
            var origin = new UriBuilder(space.Protocol, space.Host, space.Port).Uri;
            var credentials = new CredentialCache();
            string[] schemes = space.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodDefault
                ? ["Basic", "Digest", WindowsAuthentication.Ntlm, WindowsAuthentication.Negotiate]
                : [WindowsAuthentication.SchemeOf(space)];
            foreach (string scheme in schemes)
                credentials.Add(origin, scheme, WindowsAuthentication.NetworkCredentialOf(credential));
            handler.PreAuthenticate = false;
            if (!space.IsProxy)
                handler.Credentials = credentials;
            else if (handler.Proxy is { } proxy)
                proxy.Credentials = credentials;
        }
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static SocketsHttpHandler CreateHandler(UrlSessionConfiguration configuration)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            MaxConnectionsPerServer = configuration.HttpMaximumConnectionsPerHost,
            ConnectTimeout = configuration.TimeoutIntervalForRequest,
            UseProxy = configuration.ConnectionProxy is not null,
            Proxy = configuration.ConnectionProxy is { } proxy ? new SessionProxy(proxy) : null,
        };
        handler.SslOptions.EnabledSslProtocols = SslProtocolsBetween(configuration.TlsMinimumSupportedProtocolVersion, configuration.TlsMaximumSupportedProtocolVersion);
        return handler;
    }

    private static SslProtocols SslProtocolsBetween(TlsProtocolVersion minimum, TlsProtocolVersion maximum)
    {
        var protocols = SslProtocols.None;
#pragma warning disable SYSLIB0039 // TLS 1.0 and 1.1 are offered only when the configuration asks for them.
        foreach (var (version, flag) in new[] { (TlsProtocolVersion.Tls10, SslProtocols.Tls), (TlsProtocolVersion.Tls11, SslProtocols.Tls11), (TlsProtocolVersion.Tls12, SslProtocols.Tls12), (TlsProtocolVersion.Tls13, SslProtocols.Tls13) })
#pragma warning restore SYSLIB0039
        {
            if (version >= minimum && version <= maximum)
                protocols |= flag;
        }
        return protocols;
    }

    /// <summary>Chooses the configuration's proxy by scheme and honours its exceptions.</summary>
    private sealed class SessionProxy(UrlProxyConfiguration proxy) : IWebProxy
    {
        public ICredentials? Credentials { get; set; }

        public Uri? GetProxy(Uri destination) =>
            destination.Scheme == Uri.UriSchemeHttps ? proxy.HttpsProxy : proxy.HttpProxy;

        public bool IsBypassed(Uri host) => GetProxy(host) is null || proxy.Bypasses(host.IdnHost);
    }
}

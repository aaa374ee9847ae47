using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading.Tasks;

namespace UrlLoading.Transfer;

/// <summary>
/// Authentication challenges: which protection space a 401 or 407 (or an HTTPS proxy's refused CONNECT) asks for, with
/// the strongest scheme offered, and the delegate's (or the credential storage's) answer.
/// </summary>
internal sealed class AuthenticationStage(UrlSessionConfiguration configuration)
{
    /// <summary>Credentials refused in a row before the task fails with <see cref="UrlErrorCode.UserAuthenticationRequired"/>.</summary>
    public const int MaximumFailures = 5;

    /// <summary>
    /// The protection space a 401 (the server's, from <c>WWW-Authenticate</c>) or a 407 (the proxy's, from
    /// <c>Proxy-Authenticate</c>; Apple's proxy challenge) asks credentials for, with how to answer it. The strongest
    /// scheme wins: Negotiate and NTLM when the platform can run them (a null answer: the handshake is connection-level),
    /// then Digest (the password never crosses the wire), then Basic, then Negotiate or NTLM even where unavailable
    /// (Kerberos may still work; NTLM fails with an error naming the fix). Null when it offers none of them.
    /// </summary>
    public (UrlProtectionSpace? Space, Func<UrlCredential, UrlRequest, int, string>? Answer) ChallengedSpace(Uri url, int status, HttpResponseMessage reply)
    {
        Uri target = url;
        HttpHeaderValueCollection<AuthenticationHeaderValue> challenges;
        if (status == 401)
        {
            challenges = reply.Headers.WwwAuthenticate;
        }
        else if (status == 407 && configuration.ConnectionProxy is { } proxies && !proxies.Bypasses(url.IdnHost)
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
    public UrlProtectionSpace? TunnelSpace(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps && configuration.ConnectionProxy is { HttpsProxy: { } proxy } proxies && !proxies.Bypasses(url.IdnHost)
            ? new UrlProtectionSpace(proxy.IdnHost.ToLowerInvariant(), proxy.Port, proxy.Scheme, null, UrlProtectionSpace.AuthenticationMethodDefault) { IsProxy = true }
            : null;

    public static async ValueTask<UrlCredential?> AnswerChallengeAsync(UrlSessionTask task, UrlAuthenticationChallenge challenge, TransferClock clock)
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
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace UrlLoading.Background;

/// <summary>
/// A challenge met by a transfer in urlsessiond, on its way to the app's delegate and back: the daemon describes the
/// protection space (with the server's chain for server trust), the app answers with a disposition and a password
/// credential or "I accept this trust". Client certificates do not travel (their private keys stay with the app), so
/// the daemon handles those challenges by default.
/// </summary>
internal static class ChallengeWire
{
    private const string UseCredential = "useCredential";
    private const string Cancel = "cancel";
    private const string Reject = "reject";
    private const string Default = "default";

    /// <summary>The daemon's side: the space as it travels.</summary>
    public static SpaceInfo Describe(UrlProtectionSpace space) => new(space.Host, space.Port, space.Protocol, space.Realm, space.AuthenticationMethod, space.IsProxy,
        space.ServerTrust is { } trust ? new TrustInfo([.. trust.Chain.Select(c => Convert.ToBase64String(c.RawData))], (int)trust.PolicyErrors, trust.HasBadDate) : null);

    /// <summary>The app's side: the space as its delegate sees it, with a <see cref="ServerTrust"/> rebuilt from the chain.</summary>
    public static UrlProtectionSpace SpaceOf(SpaceInfo info)
    {
        ServerTrust? trust = null;
        if (info.Trust is { Chain.Count: > 0 } t)
        {
            var chain = t.Chain.Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c))).ToList();
            trust = new ServerTrust(info.Host, chain[0], chain, (SslPolicyErrors)t.PolicyErrors, t.HasBadDate);
        }
        return new UrlProtectionSpace(info.Host, info.Port, info.Protocol, info.Realm, info.AuthenticationMethod) { IsProxy = info.IsProxy, ServerTrust = trust };
    }

    /// <summary>The app's side: its delegate's answer, as it travels.</summary>
    public static ChallengeAnswer Answer(AuthChallengeDisposition disposition, UrlCredential? credential, ServerTrust? offered) => disposition switch
    {
        AuthChallengeDisposition.UseCredential when offered is not null && credential?.ServerTrust == offered => new(UseCredential, AcceptsTrust: true),
        AuthChallengeDisposition.UseCredential when credential is { ServerTrust: null, ClientCertificate: null } => new(UseCredential, credential.User, credential.Password),
        AuthChallengeDisposition.CancelAuthenticationChallenge => new(Cancel),
        AuthChallengeDisposition.RejectProtectionSpace => new(Reject),
        _ => new(Default),
    };

    /// <summary>The daemon's side: the app's answer for the challenge the daemon met (null: no app answered).</summary>
    public static (AuthChallengeDisposition, UrlCredential?) Disposition(ChallengeAnswer? answer, UrlProtectionSpace space) => answer?.Disposition switch
    {
        UseCredential when answer.AcceptsTrust && space.ServerTrust is { } trust => (AuthChallengeDisposition.UseCredential, UrlCredential.ForTrust(trust)),
        UseCredential when !answer.AcceptsTrust && answer.User is { } user => (AuthChallengeDisposition.UseCredential, new UrlCredential(user, answer.Password ?? "", UrlCredentialPersistence.ForSession)),
        Cancel => (AuthChallengeDisposition.CancelAuthenticationChallenge, null),
        Reject => (AuthChallengeDisposition.RejectProtectionSpace, null),
        _ => (AuthChallengeDisposition.PerformDefaultHandling, null),
    };

    /// <summary>The failure response, as it travels.</summary>
    public static ResponseInfo? DescribeResponse(UrlResponse? response) =>
        response is HttpUrlResponse http ? new ResponseInfo(http.Url.AbsoluteUri, http.StatusCode, new Dictionary<string, string>(http.Headers, StringComparer.OrdinalIgnoreCase)) : null;
}

using System;
using System.Net.Http.Headers;
using System.Text;

namespace UrlLoading;

/// <summary>Reads HTTP Basic challenges (RFC 7617) and writes their answers.</summary>
internal static class BasicAuthentication
{
    /// <summary>The protection space of a 401's Basic challenge, or null when the server offers no Basic challenge.</summary>
    public static UrlProtectionSpace? ProtectionSpaceOf(Uri url, HttpHeaderValueCollection<AuthenticationHeaderValue> challenges)
    {
        foreach (var challenge in challenges)
        {
            if (!challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
                continue;
            return new UrlProtectionSpace(url.IdnHost.ToLowerInvariant(), url.Port, url.Scheme, RealmOf(challenge.Parameter),
                UrlProtectionSpace.AuthenticationMethodHttpBasic);
        }
        return null;
    }

    public static string AuthorizationHeader(UrlCredential credential) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.User + ":" + credential.Password));

    private static string? RealmOf(string? parameters)
    {
        if (parameters is null)
            return null;
        foreach (var part in parameters.Split(','))
        {
            var p = part.Trim();
            if (p.StartsWith("realm=", StringComparison.OrdinalIgnoreCase))
                return p["realm=".Length..].Trim('"');
        }
        return null;
    }
}

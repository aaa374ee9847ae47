using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace UrlLoading;

/// <summary>
/// HTTP Digest challenges (RFC 7616): MD5 and SHA-256, their <c>-sess</c> variants, <c>qop=auth</c> (or the legacy
/// form without qop), and <c>opaque</c>. Preferred over Basic when a server offers both, since the password never
/// crosses the wire.
/// </summary>
internal static class DigestAuthentication
{
    /// <summary>The strongest Digest challenge among the server's, as its protection space and parameters; null when it offers none we support.</summary>
    public static (UrlProtectionSpace Space, Dictionary<string, string> Parameters)? ChallengeOf(Uri url, HttpHeaderValueCollection<AuthenticationHeaderValue> challenges)
    {
        (UrlProtectionSpace, Dictionary<string, string>)? best = null;
        int bestRank = -1;
        foreach (var challenge in challenges)
        {
            if (!challenge.Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase) || challenge.Parameter is null)
                continue;
            var parameters = Parse(challenge.Parameter);
            string algorithm = parameters.GetValueOrDefault("algorithm", "MD5").ToUpperInvariant();
            int rank = algorithm switch { "SHA-256" or "SHA-256-SESS" => 2, "MD5" or "MD5-SESS" => 1, _ => -1 };
            if (rank <= bestRank || !parameters.ContainsKey("nonce"))
                continue;
            bestRank = rank;
            var space = new UrlProtectionSpace(url.IdnHost.ToLowerInvariant(), url.Port, url.Scheme, parameters.GetValueOrDefault("realm"), UrlProtectionSpace.AuthenticationMethodHttpDigest);
            best = (space, parameters);
        }
        return best;
    }

    /// <summary>The Authorization header that answers <paramref name="parameters"/> for one request.</summary>
    public static string AuthorizationHeader(UrlCredential credential, Dictionary<string, string> parameters, string method, Uri url, int count)
    {
        string algorithm = parameters.GetValueOrDefault("algorithm", "MD5");
        bool sha256 = algorithm.StartsWith("SHA-256", StringComparison.OrdinalIgnoreCase);
        bool session = algorithm.EndsWith("-sess", StringComparison.OrdinalIgnoreCase);
        string realm = parameters.GetValueOrDefault("realm", "");
        string nonce = parameters["nonce"];
        string uri = url.PathAndQuery;
        string cnonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        string nc = count.ToString("x8", CultureInfo.InvariantCulture);
        bool qopAuth = parameters.TryGetValue("qop", out var qops) && Array.Exists(qops.Split(','), q => q.Trim().Equals("auth", StringComparison.OrdinalIgnoreCase));

        string ha1 = Hash(sha256, $"{credential.User}:{realm}:{credential.Password}");
        if (session)
            ha1 = Hash(sha256, $"{ha1}:{nonce}:{cnonce}");
        string ha2 = Hash(sha256, $"{method}:{uri}");
        string response = qopAuth ? Hash(sha256, $"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}") : Hash(sha256, $"{ha1}:{nonce}:{ha2}");

        var header = new StringBuilder("Digest ");
        header.Append(CultureInfo.InvariantCulture, $"username=\"{Quote(credential.User)}\", realm=\"{Quote(realm)}\", nonce=\"{Quote(nonce)}\", uri=\"{Quote(uri)}\", algorithm={algorithm}, response=\"{response}\"");
        if (qopAuth)
            header.Append(CultureInfo.InvariantCulture, $", qop=auth, nc={nc}, cnonce=\"{cnonce}\"");
        if (parameters.TryGetValue("opaque", out var opaque))
            header.Append(CultureInfo.InvariantCulture, $", opaque=\"{Quote(opaque)}\"");
        return header.ToString();
    }

    private static string Hash(bool sha256, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
#pragma warning disable CA5351 // MD5 is what RFC 7616 servers still ask for; the client answers in kind.
        return Convert.ToHexString(sha256 ? SHA256.HashData(bytes) : MD5.HashData(bytes)).ToLowerInvariant();
#pragma warning restore CA5351
    }

    private static string Quote(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>The auth-params of a challenge: <c>name=value</c> or <c>name="quoted, value"</c>, comma-separated.</summary>
    internal static Dictionary<string, string> Parse(string parameters)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < parameters.Length)
        {
            while (i < parameters.Length && (parameters[i] == ',' || char.IsWhiteSpace(parameters[i])))
                i++;
            int equals = parameters.IndexOf('=', i);
            if (equals < 0)
                break;
            string name = parameters[i..equals].Trim();
            i = equals + 1;
            string value;
            if (i < parameters.Length && parameters[i] == '"')
            {
                var text = new StringBuilder();
                for (i++; i < parameters.Length && parameters[i] != '"'; i++)
                {
                    if (parameters[i] == '\\' && i + 1 < parameters.Length)
                        i++;
                    text.Append(parameters[i]);
                }
                i++;
                value = text.ToString();
            }
            else
            {
                int end = parameters.IndexOf(',', i);
                value = (end < 0 ? parameters[i..] : parameters[i..end]).Trim();
                i = end < 0 ? parameters.Length : end;
            }
            result[name] = value;
        }
        return result;
    }
}

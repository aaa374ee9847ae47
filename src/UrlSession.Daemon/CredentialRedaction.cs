using System.Text.RegularExpressions;

namespace UrlLoading.Daemon;

/// <summary>
/// Removes credentials from text the daemon shows: every log line and every line of <c>urlsessiond list</c>. The state
/// database keeps the real values (a retry or a resume must send them again), in a file only the user can read.
/// </summary>
/// <remarks>
/// What is replaced by <c>***</c>:
/// <list type="bullet">
/// <item>A URL's password (<c>https://ada:***@host/</c>); a user-info without a password is often a token
/// (<c>https://ghp_...@github.com/</c>), so it goes whole (<c>https://***@host/</c>).</item>
/// <item>The value after <c>Authorization</c>, <c>Proxy-Authorization</c>, <c>Cookie</c> and <c>Set-Cookie</c> followed by
/// <c>:</c> or <c>=</c>: a quoted value (as in JSON), else everything to the end of the line.</item>
/// <item>The values of query parameters that carry credentials in signed and token URLs: names containing
/// <c>token</c>, <c>secret</c>, <c>password</c>, <c>passwd</c>, <c>signature</c>, <c>credential</c> or <c>apikey</c>/<c>api_key</c>
/// (<c>access_token</c>, <c>X-Amz-Signature</c>, <c>X-Amz-Credential</c>, <c>X-Amz-Security-Token</c>,
/// <c>X-Goog-Signature</c>, <c>client_secret</c>, ...), and exactly <c>sig</c> (Azure SAS), <c>key</c> and <c>auth</c>.
/// Other parameters stay: they are what tells two tasks apart.</item>
/// </list>
/// </remarks>
internal static partial class CredentialRedaction
{
    private const string Hidden = "***";

    private static readonly string[] s_sensitiveParameterParts = ["token", "secret", "password", "passwd", "signature", "credential", "apikey", "api_key"];

    private static readonly string[] s_sensitiveParameters = ["sig", "key", "auth"];

    /// <summary>The text with every credential it shows replaced by <c>***</c>.</summary>
    public static string Redact(string text)
    {
        if (text.Length == 0)
            return text;
        text = UserInfo().Replace(text, static match =>
        {
            string userInfo = match.Groups["userinfo"].Value;
            int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            string kept = colon > 0 ? $"{userInfo[..colon]}:{Hidden}" : Hidden;
            return $"{match.Groups["scheme"].Value}{kept}@";
        });
        text = CredentialHeader().Replace(text, static match =>
            $"{match.Groups["name"].Value}{match.Groups["separator"].Value}{(match.Groups["quoted"].Success ? $"\"{Hidden}\"" : Hidden)}");
        return QueryParameter().Replace(text, static match =>
            IsSensitiveParameter(match.Groups["name"].ValueSpan) ? $"{match.Groups["name"].Value}={Hidden}" : match.Value);
    }

    private static bool IsSensitiveParameter(ReadOnlySpan<char> name)
    {
        foreach (string part in s_sensitiveParameterParts)
        {
            if (name.Contains(part, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        foreach (string exact in s_sensitiveParameters)
        {
            if (name.Equals(exact, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    // Greedy to the authority's last '@': an '@' inside a user name or password must be percent-encoded.
    [GeneratedRegex(@"(?<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?<userinfo>[^\s/?#]*)@")]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"(?<name>\b(?:Proxy-Authorization|Authorization|Set-Cookie|Cookie))(?<separator>""?\s*[:=]\s*)(?:(?<quoted>""[^""\r\n]*""?)|[^\r\n]+)", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialHeader();

    [GeneratedRegex(@"(?<=[?&;])(?<name>[^=&;#\s?]+)=[^&;#\s""')]*")]
    private static partial Regex QueryParameter();
}

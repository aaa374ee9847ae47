using System;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;

namespace UrlLoading;

/// <summary>
/// NTLM and Negotiate (SPNEGO: Kerberos, or NTLM inside it). Both are connection-oriented handshakes of several legs
/// that must run on one connection, so the engine does not write their headers itself: it hands the credential the
/// delegate chose to a connection pool of its own, whose <see cref="System.Net.Http.SocketsHttpHandler"/> runs the
/// handshake on one connection through the platform's <see cref="NegotiateAuthentication"/>.
/// </summary>
internal static class WindowsAuthentication
{
    public const string Ntlm = "NTLM";
    public const string Negotiate = "Negotiate";

    /// <summary>What to do when the platform has no NTLM: the two ways to get one, named.</summary>
    public const string NtlmUnavailable =
        "NTLM is not available on this system. Install the GSSAPI NTLM provider (the 'gss-ntlmssp' package), or turn on "
        + ".NET's managed NTLM by adding <RuntimeHostConfigurationOption Include=\"System.Net.Security.UseManagedNtlm\" Value=\"true\" /> "
        + "to the app's project file.";

    private static readonly Lazy<bool> s_ntlmAvailable = new(ProbeNtlm);

    /// <summary>
    /// True when the platform can produce an NTLM negotiate message: always on Windows; elsewhere with gss-ntlmssp or
    /// the <c>System.Net.Security.UseManagedNtlm</c> switch. The probe runs once, offline.
    /// </summary>
    public static bool IsNtlmAvailable => s_ntlmAvailable.Value;

    /// <summary>
    /// The protection space of the strongest connection-oriented scheme the server offers and this platform can run:
    /// Negotiate, then NTLM. Without <paramref name="evenIfUnavailable"/>, only when NTLM is available (Negotiate falls
    /// back to it); with it, also when it is not (Negotiate may still succeed with a Kerberos ticket; NTLM then fails
    /// with an error that names the fix). Null when the server offers neither.
    /// </summary>
    public static UrlProtectionSpace? ProtectionSpaceOf(Uri url, HttpHeaderValueCollection<AuthenticationHeaderValue> challenges, bool evenIfUnavailable)
    {
        bool negotiate = false, ntlm = false;
        foreach (var challenge in challenges)
        {
            negotiate |= challenge.Scheme.Equals(Negotiate, StringComparison.OrdinalIgnoreCase);
            ntlm |= challenge.Scheme.Equals(Ntlm, StringComparison.OrdinalIgnoreCase);
        }
        string? method = (negotiate, ntlm) switch
        {
            (true, _) when IsNtlmAvailable || evenIfUnavailable => UrlProtectionSpace.AuthenticationMethodNegotiate,
            (_, true) when IsNtlmAvailable || evenIfUnavailable => UrlProtectionSpace.AuthenticationMethodNtlm,
            _ => null,
        };
        return method is null ? null : new UrlProtectionSpace(url.IdnHost.ToLowerInvariant(), url.Port, url.Scheme, null, method);
    }

    /// <summary>The scheme name the handler's credential cache keys on.</summary>
    public static string SchemeOf(UrlProtectionSpace space) =>
        space.AuthenticationMethod == UrlProtectionSpace.AuthenticationMethodNegotiate ? Negotiate : Ntlm;

    public static bool IsWindowsMethod(string method) =>
        method is UrlProtectionSpace.AuthenticationMethodNtlm or UrlProtectionSpace.AuthenticationMethodNegotiate;

    /// <summary>
    /// The network credential for a <see cref="UrlCredential"/>: a user written <c>DOMAIN\user</c> (Apple's form for
    /// NTLM) is split into domain and user; <c>user@realm</c> is passed whole, as Kerberos and NTLM both accept it.
    /// </summary>
    public static NetworkCredential NetworkCredentialOf(UrlCredential credential)
    {
        int slash = credential.User.IndexOf('\\', StringComparison.Ordinal);
        return slash > 0
            ? new NetworkCredential(credential.User[(slash + 1)..], credential.Password, credential.User[..slash])
            : new NetworkCredential(credential.User, credential.Password);
    }

    private static bool ProbeNtlm()
    {
        try
        {
            using var probe = new NegotiateAuthentication(new NegotiateAuthenticationClientOptions
            {
                Package = Ntlm,
                Credential = new NetworkCredential("probe", "probe", "PROBE"),
                TargetName = "HTTP/localhost",
            });
            probe.GetOutgoingBlob(ReadOnlySpan<byte>.Empty, out var status);
            return status == NegotiateAuthenticationStatusCode.ContinueNeeded;
        }
        catch (Exception e) when (e is PlatformNotSupportedException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            return false;
        }
    }
}

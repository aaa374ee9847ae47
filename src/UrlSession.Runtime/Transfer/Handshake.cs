namespace UrlLoading.Transfer;

/// <summary>
/// A credential the handler itself must present (NTLM, Negotiate, or an HTTPS proxy's CONNECT login) for one
/// protection space: requests that carry it go through a pool of their own.
/// </summary>
internal readonly record struct Handshake(UrlProtectionSpace Space, UrlCredential Credential);

namespace UrlLoading;

/// <summary>
/// Hands out named sessions, one per name, created on first use and reused after (the sessions an app registers
/// with <c>AddUrlSession</c> in the UrlSession.Hosting package). The factory owns them: they are invalidated when
/// it is disposed, so do not dispose a session it returned.
/// </summary>
public interface IUrlSessionFactory
{
    /// <summary>Returns the session registered under <paramref name="name"/>, creating it on the first call.</summary>
    /// <param name="name">The name the session was registered with.</param>
    /// <returns>The session; the same object on every call with this name.</returns>
    /// <exception cref="System.InvalidOperationException">No session is registered under <paramref name="name"/>.</exception>
    UrlSession GetSession(string name);
}

namespace UrlLoading.Tests.Infrastructure;

internal static class SessionExtensions
{
    /// <summary>Wraps a session for a synchronous <c>using</c>: invalidates and cancels it at the end.</summary>
    public static Owned AsDisposable(this UrlSession session) => new(session);

    public readonly struct Owned(UrlSession session) : IDisposable
    {
        public UrlSession Value => session;

        public void Dispose() => session.InvalidateAndCancel();
    }
}

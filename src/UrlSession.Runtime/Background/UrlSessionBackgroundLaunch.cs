using System;
using System.Threading;

namespace UrlLoading;

/// <summary>
/// Why urlsessiond started this process, when it did (Apple's
/// <c>application(_:handleEventsForBackgroundURLSession:completionHandler:)</c>). Events for a background session
/// with <see cref="UrlSessionConfiguration.SessionSendsLaunchEvents"/> and a
/// <see cref="UrlSessionConfiguration.BackgroundLaunchCommand"/> waited and no process had the session open, so the
/// daemon ran the command. Re-create the session with <see cref="SessionIdentifier"/>; its delegate then receives the
/// events and <c>DidFinishEventsForBackgroundSession</c>, where you call <see cref="CompletionHandler"/>.
/// </summary>
public sealed class UrlSessionBackgroundLaunch
{
    /// <summary>The environment variable the daemon sets on the launch command.</summary>
    public const string IdentifierVariable = "URLSESSION_BACKGROUND_IDENTIFIER";

    private static readonly Lazy<UrlSessionBackgroundLaunch?> s_current = new(() =>
        Environment.GetEnvironmentVariable(IdentifierVariable) is { Length: > 0 } identifier ? new UrlSessionBackgroundLaunch(identifier) : null);

    private int _completed;

    private UrlSessionBackgroundLaunch(string identifier)
    {
        SessionIdentifier = identifier;
        CompletionHandler = () => Interlocked.Exchange(ref _completed, 1);
    }

    /// <summary>The launch that started this process, or null when it was not started by urlsessiond.</summary>
    public static UrlSessionBackgroundLaunch? Current => s_current.Value;

    /// <summary>The identifier of the background session whose events are waiting.</summary>
    public string SessionIdentifier { get; }

    /// <summary>Call once the events have been handled (from <c>DidFinishEventsForBackgroundSession</c>).</summary>
    public Action CompletionHandler { get; }

    /// <summary>Whether <see cref="CompletionHandler"/> has been called.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) == 1;
}

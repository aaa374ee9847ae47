using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace UrlLoading.Hosting;

/// <summary>
/// The container's sessions, one per registered name, created on first use. Disposing the container ends them:
/// default and ephemeral sessions are cancelled and invalidated (as disposing an HttpClient aborts its requests);
/// background sessions detach, and urlsessiond carries on with their transfers. A synchronous dispose does the same
/// without waiting for the sessions' <c>DidBecomeInvalid</c>.
/// </summary>
internal sealed class UrlSessionFactory(IServiceProvider services, IOptionsMonitor<UrlSessionOptions> options, IOptions<UrlSessionNames> names)
    : IUrlSessionFactory, IAsyncDisposable, IDisposable
{
    private readonly Dictionary<string, UrlSession> _sessions = new(StringComparer.Ordinal);
    private bool _disposed;

    public UrlSession GetSession(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!names.Value.Names.Contains(name))
            throw new InvalidOperationException($"No session is registered under the name '{name}'; call services.AddUrlSession(\"{name}\") first.");
        lock (_sessions)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sessions.TryGetValue(name, out var session))
                _sessions[name] = session = Create(name, options.Get(name));
            return session;
        }
    }

    /// <summary>The names registered for background sessions.</summary>
    public IEnumerable<string> BackgroundNames()
    {
        foreach (string name in names.Value.Names)
        {
            if (options.Get(name).BackgroundIdentifier is not null)
                yield return name;
        }
    }

    private UrlSession Create(string name, UrlSessionOptions registration)
    {
        var configuration = registration.BackgroundIdentifier is { } identifier
            ? UrlSessionConfiguration.Background(identifier)
            : UrlSessionConfiguration.Default;
        foreach (var configure in registration.Configure)
            configure(configuration);
        var @delegate = registration.DelegateType is { } type ? (IUrlSessionDelegate)services.GetRequiredService(type) : null;
        return new UrlSession(configuration, @delegate) { SessionDescription = name };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in End())
            await session.DisposeAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var session in End())
            session.FinishTasksAndInvalidate();
    }

    /// <summary>Refuses further sessions and cancels the default ones' tasks; returns every session to invalidate.</summary>
    private UrlSession[] End()
    {
        UrlSession[] sessions;
        lock (_sessions)
        {
            _disposed = true;
            sessions = [.. _sessions.Values];
            _sessions.Clear();
        }
        foreach (var session in sessions)
        {
            if (!session.Configuration.IsBackground)
                session.InvalidateAndCancel();
        }
        return sessions;
    }
}

using System;
using System.Collections.Generic;

namespace UrlLoading;

/// <summary>Credentials kept per protection space (Apple's <c>URLCredentialStorage</c>). Thread-safe and in memory.</summary>
public class UrlCredentialStorage
{
    private static readonly Lazy<UrlCredentialStorage> s_shared = new(() => new UrlCredentialStorage());
    private readonly Dictionary<UrlProtectionSpace, Dictionary<string, UrlCredential>> _credentials = new();
    private readonly Dictionary<UrlProtectionSpace, UrlCredential> _defaults = new();
    private readonly object _gate = new();

    /// <summary>The process-wide storage used by <see cref="UrlSessionConfiguration.Default"/>.</summary>
    public static UrlCredentialStorage Shared => s_shared.Value;

    /// <summary>Stores a credential for a space. Credentials with <see cref="UrlCredentialPersistence.None"/> are not stored. The first one stored for a space becomes its default.</summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    public void SetCredential(UrlCredential credential, UrlProtectionSpace space)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(space);
        if (credential.Persistence == UrlCredentialPersistence.None)
            return;
        lock (_gate)
        {
            if (!_credentials.TryGetValue(space, out var byUser))
                _credentials[space] = byUser = new Dictionary<string, UrlCredential>(StringComparer.Ordinal);
            byUser[credential.User] = credential;
            _defaults.TryAdd(space, credential);
        }
    }

    /// <summary>Stores a credential and makes it the space's default.</summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    public void SetDefaultCredential(UrlCredential credential, UrlProtectionSpace space)
    {
        SetCredential(credential, space);
        if (credential.Persistence == UrlCredentialPersistence.None)
            return;
        lock (_gate)
            _defaults[space] = credential;
    }

    /// <summary>The default credential for a space, or null.</summary>
    /// <param name="space">The protection space.</param>
    /// <returns>The credential, or null.</returns>
    public UrlCredential? DefaultCredential(UrlProtectionSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        lock (_gate)
            return _defaults.GetValueOrDefault(space);
    }

    /// <summary>All credentials for a space, by user name.</summary>
    /// <param name="space">The protection space.</param>
    /// <returns>A snapshot of the credentials.</returns>
    public IReadOnlyDictionary<string, UrlCredential> Credentials(UrlProtectionSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        lock (_gate)
            return _credentials.TryGetValue(space, out var byUser) ? new Dictionary<string, UrlCredential>(byUser) : new Dictionary<string, UrlCredential>();
    }

    /// <summary>Removes a credential from a space.</summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    public void RemoveCredential(UrlCredential credential, UrlProtectionSpace space)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(space);
        lock (_gate)
        {
            if (_credentials.TryGetValue(space, out var byUser))
                byUser.Remove(credential.User);
            if (_defaults.TryGetValue(space, out var d) && d.User == credential.User)
                _defaults.Remove(space);
        }
    }

    internal void Clear()
    {
        lock (_gate)
        {
            _credentials.Clear();
            _defaults.Clear();
        }
    }
}

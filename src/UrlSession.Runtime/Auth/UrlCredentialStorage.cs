using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json;

namespace UrlLoading;

/// <summary>
/// Credentials kept per protection space (Apple's <c>URLCredentialStorage</c>). Thread-safe. A storage made with
/// <c>new</c> (and the ephemeral configuration's) is memory-only. <see cref="Shared"/> also keeps
/// <see cref="UrlCredentialPersistence.Permanent"/> credentials across launches, with every password sealed
/// (AES-256-GCM) under a per-user key file: never in clear text on disk.
/// </summary>
public class UrlCredentialStorage
{
    private static readonly Lazy<UrlCredentialStorage> s_shared = new(() => new UrlCredentialStorage(new CredentialFile(CredentialFile.DefaultFolder)));
    private readonly Dictionary<UrlProtectionSpace, Dictionary<string, UrlCredential>> _credentials = new();
    private readonly Dictionary<UrlProtectionSpace, UrlCredential> _defaults = new();
    private readonly object _gate = new();
    private readonly CredentialFile? _file;

    /// <summary>Creates an empty, memory-only storage.</summary>
    public UrlCredentialStorage()
    {
    }

    /// <summary>A storage that keeps its permanent credentials in <paramref name="file"/> (loaded now).</summary>
    internal UrlCredentialStorage(CredentialFile file)
    {
        _file = file;
        try
        {
            foreach (var (space, credential, isDefault) in file.Load())
            {
                if (!_credentials.TryGetValue(space, out var byUser))
                    _credentials[space] = byUser = new Dictionary<string, UrlCredential>(StringComparer.Ordinal);
                byUser[credential.User] = credential;
                if (isDefault || !_defaults.ContainsKey(space))
                    _defaults[space] = credential;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException)
        {
            // An unreadable file leaves the storage empty; the next save rewrites it.
        }
    }

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
        if (credential.Persistence == UrlCredentialPersistence.Permanent)
            Persist();
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
        if (credential.Persistence == UrlCredentialPersistence.Permanent)
            Persist();
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
        if (credential.Persistence == UrlCredentialPersistence.Permanent)
            Persist();
    }

    /// <summary>Writes the permanent credentials (sealed) when this storage has a file; never fails the caller.</summary>
    private void Persist()
    {
        if (_file is null)
            return;
        List<(UrlProtectionSpace, UrlCredential, bool)> permanent = [];
        lock (_gate)
        {
            foreach (var (space, byUser) in _credentials)
            {
                foreach (var credential in byUser.Values)
                {
                    if (credential.Persistence == UrlCredentialPersistence.Permanent && credential.ServerTrust is null && credential.ClientCertificate is null)
                        permanent.Add((space, credential, _defaults.TryGetValue(space, out var d) && d == credential));
                }
            }
        }
        try
        {
            _file.Save(permanent);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            // Kept for this process; the next successful save writes them all.
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

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

    /// <summary>
    /// Raised after a credential was stored, replaced or removed, or a space's default changed (Apple's
    /// <c>NSURLCredentialStorageChanged</c>), once per call that changed something, on the thread that made the change.
    /// </summary>
    public event EventHandler? CredentialsChanged;

    /// <summary>A snapshot of every stored credential: by protection space, then by user name (Apple's <c>allCredentials</c>).</summary>
    public IReadOnlyDictionary<UrlProtectionSpace, IReadOnlyDictionary<string, UrlCredential>> AllCredentials
    {
        get
        {
            lock (_gate)
            {
                var all = new Dictionary<UrlProtectionSpace, IReadOnlyDictionary<string, UrlCredential>>(_credentials.Count);
                foreach (var (space, byUser) in _credentials)
                {
                    if (byUser.Count > 0)
                        all[space] = new Dictionary<string, UrlCredential>(byUser, StringComparer.Ordinal);
                }
                return all;
            }
        }
    }

    /// <summary>Stores a credential for a space. Credentials with <see cref="UrlCredentialPersistence.None"/> are not stored. The first one stored for a space becomes its default.</summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    public void SetCredential(UrlCredential credential, UrlProtectionSpace space)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(space);
        if (credential.Persistence == UrlCredentialPersistence.None)
            return;
        bool changed;
        lock (_gate)
        {
            if (!_credentials.TryGetValue(space, out var byUser))
                _credentials[space] = byUser = new Dictionary<string, UrlCredential>(StringComparer.Ordinal);
            changed = !byUser.TryGetValue(credential.User, out var old) || old != credential;
            byUser[credential.User] = credential;
            changed |= _defaults.TryAdd(space, credential);
        }
        Changed(changed, credential);
    }

    /// <summary>
    /// Stores a credential for a space on behalf of a task (Apple's <c>set(_:for:task:)</c>). This storage does as
    /// <see cref="SetCredential(UrlCredential, UrlProtectionSpace)"/>; a subclass may keep credentials per task or session.
    /// </summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    /// <param name="task">The task the credential is for.</param>
    public virtual void SetCredential(UrlCredential credential, UrlProtectionSpace space, UrlSessionTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        SetCredential(credential, space);
    }

    /// <summary>Stores a credential and makes it the space's default.</summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    public void SetDefaultCredential(UrlCredential credential, UrlProtectionSpace space)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(space);
        if (credential.Persistence == UrlCredentialPersistence.None)
            return;
        bool changed;
        lock (_gate)
        {
            if (!_credentials.TryGetValue(space, out var byUser))
                _credentials[space] = byUser = new Dictionary<string, UrlCredential>(StringComparer.Ordinal);
            changed = !byUser.TryGetValue(credential.User, out var old) || old != credential;
            byUser[credential.User] = credential;
            changed |= !_defaults.TryGetValue(space, out var oldDefault) || oldDefault != credential;
            _defaults[space] = credential;
        }
        Changed(changed, credential);
    }

    /// <summary>
    /// Stores a credential and makes it the space's default, on behalf of a task (Apple's
    /// <c>setDefaultCredential(_:for:task:)</c>). This storage does as
    /// <see cref="SetDefaultCredential(UrlCredential, UrlProtectionSpace)"/>; a subclass may keep defaults per task.
    /// </summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    /// <param name="task">The task the credential is for.</param>
    public virtual void SetDefaultCredential(UrlCredential credential, UrlProtectionSpace space, UrlSessionTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        SetDefaultCredential(credential, space);
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

    /// <summary>
    /// The default credential for a space, asked on behalf of a task (Apple's <c>getDefaultCredential(for:task:)</c>).
    /// This storage answers as <see cref="DefaultCredential(UrlProtectionSpace)"/>; a subclass may answer per task.
    /// </summary>
    /// <param name="space">The protection space.</param>
    /// <param name="task">The task that asks.</param>
    /// <returns>The credential, or null.</returns>
    public virtual UrlCredential? GetDefaultCredential(UrlProtectionSpace space, UrlSessionTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return DefaultCredential(space);
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

    /// <summary>
    /// All credentials for a space, by user name, asked on behalf of a task (Apple's <c>getCredentials(for:task:)</c>).
    /// This storage answers as <see cref="Credentials(UrlProtectionSpace)"/>; a subclass may answer per task.
    /// </summary>
    /// <param name="space">The protection space.</param>
    /// <param name="task">The task that asks.</param>
    /// <returns>A snapshot of the credentials.</returns>
    public virtual IReadOnlyDictionary<string, UrlCredential> GetCredentials(UrlProtectionSpace space, UrlSessionTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return Credentials(space);
    }

    /// <summary>Removes a credential from a space.</summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    public void RemoveCredential(UrlCredential credential, UrlProtectionSpace space)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(space);
        bool changed = false;
        lock (_gate)
        {
            if (_credentials.TryGetValue(space, out var byUser))
                changed = byUser.Remove(credential.User);
            if (_defaults.TryGetValue(space, out var d) && d.User == credential.User)
                changed |= _defaults.Remove(space);
        }
        Changed(changed, credential);
    }

    /// <summary>
    /// Removes a credential from a space on behalf of a task (Apple's <c>remove(_:for:options:task:)</c>). This
    /// storage does as <see cref="RemoveCredential(UrlCredential, UrlProtectionSpace)"/>; a subclass may answer per task.
    /// </summary>
    /// <param name="credential">The credential.</param>
    /// <param name="space">The protection space.</param>
    /// <param name="task">The task the credential was for.</param>
    public virtual void RemoveCredential(UrlCredential credential, UrlProtectionSpace space, UrlSessionTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        RemoveCredential(credential, space);
    }

    /// <summary>After a change to <paramref name="credential"/>'s entry: saves it when permanent, then raises <see cref="CredentialsChanged"/>.</summary>
    private void Changed(bool changed, UrlCredential credential)
    {
        if (!changed)
            return;
        if (credential.Persistence == UrlCredentialPersistence.Permanent)
            Persist();
        CredentialsChanged?.Invoke(this, EventArgs.Empty);
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
        bool changed;
        lock (_gate)
        {
            changed = _credentials.Count > 0 || _defaults.Count > 0;
            _credentials.Clear();
            _defaults.Clear();
        }
        if (changed)
            CredentialsChanged?.Invoke(this, EventArgs.Empty);
    }
}

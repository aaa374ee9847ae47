using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace UrlLoading;

/// <summary>
/// Where the shared storage keeps <see cref="UrlCredentialPersistence.Permanent"/> credentials across launches:
/// <c>credentials.json</c> holds the protection spaces and user names, each password sealed with AES-256-GCM under
/// a per-user key in <c>credentials.key</c> (mode 0600, folder 0700). No password is ever written in clear text;
/// the protection is the user account's own file permissions, as for an SSH key without a passphrase.
/// </summary>
internal sealed class CredentialFile(string folder)
{
    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public string Folder { get; } = folder;

    public static string DefaultFolder => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } data ? data : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
        "UrlSession", Background.BackgroundPaths.AppIdentity);

    private string DataPath => Path.Combine(Folder, "credentials.json");

    private string KeyPath => Path.Combine(Folder, "credentials.key");

    public List<(UrlProtectionSpace Space, UrlCredential Credential, bool IsDefault)> Load()
    {
        var loaded = new List<(UrlProtectionSpace, UrlCredential, bool)>();
        if (!File.Exists(DataPath) || !File.Exists(KeyPath))
            return loaded;
        byte[] key = File.ReadAllBytes(KeyPath);
        var entries = JsonSerializer.Deserialize(File.ReadAllText(DataPath), CredentialJson.Default.ListStoredCredential) ?? [];
        using var aes = new AesGcm(key, TagSize);
        foreach (var entry in entries)
        {
            byte[] sealedBytes = Convert.FromBase64String(entry.Password);
            var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
            try
            {
                aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), plain, Encoding.UTF8.GetBytes(entry.User));
            }
            catch (CryptographicException)
            {
                continue; // tampered or sealed under another key: dropped, never guessed
            }
            var space = new UrlProtectionSpace(entry.Host, entry.Port, entry.Protocol, entry.Realm, entry.Method) { IsProxy = entry.IsProxy };
            loaded.Add((space, new UrlCredential(entry.User, Encoding.UTF8.GetString(plain), UrlCredentialPersistence.Permanent), entry.IsDefault));
        }
        return loaded;
    }

    public void Save(IEnumerable<(UrlProtectionSpace Space, UrlCredential Credential, bool IsDefault)> credentials)
    {
        Directory.CreateDirectory(Folder);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        byte[] key = File.Exists(KeyPath) ? File.ReadAllBytes(KeyPath) : NewKey();
        var entries = new List<StoredCredential>();
        using (var aes = new AesGcm(key, TagSize))
        {
            foreach (var (space, credential, isDefault) in credentials)
            {
                byte[] plain = Encoding.UTF8.GetBytes(credential.Password);
                byte[] sealedBytes = new byte[NonceSize + plain.Length + TagSize];
                RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, NonceSize));
                aes.Encrypt(sealedBytes.AsSpan(0, NonceSize), plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(credential.User));
                entries.Add(new StoredCredential(space.Host, space.Port, space.Protocol, space.Realm, space.AuthenticationMethod, space.IsProxy, credential.User, Convert.ToBase64String(sealedBytes), isDefault));
            }
        }
        string temporary = DataPath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(entries, CredentialJson.Default.ListStoredCredential));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, DataPath, overwrite: true);
    }

    private byte[] NewKey()
    {
        byte[] key = RandomNumberGenerator.GetBytes(KeySize);
        using var file = new FileStream(KeyPath, FileMode.CreateNew, FileAccess.Write);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        file.Write(key);
        return key;
    }
}

internal sealed record StoredCredential(string Host, int Port, string Protocol, string? Realm, string Method, bool IsProxy, string User, string Password, bool IsDefault);

[JsonSerializable(typeof(List<StoredCredential>))]
internal sealed partial class CredentialJson : JsonSerializerContext;

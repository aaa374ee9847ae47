using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using UrlLoading.Security;

namespace UrlLoading;

/// <summary>
/// Where <see cref="HttpCookieStorage.Shared"/> keeps its cookies across launches: <c>cookies.json</c> in the same
/// folder as the permanent credentials (<c>$XDG_DATA_HOME/UrlSession/{app}</c>), the file 0600 in a 0700 folder of
/// this user's. Only cookies with an expiry are written; session cookies end with the process, as on Apple's platforms.
/// </summary>
internal sealed class CookieFile(string folder)
{
    public const string FileName = "cookies.json";

    /// <summary>What a user sets to move the file, named in the error when the folder is not safe to use.</summary>
    private const string Setting = "XDG_DATA_HOME";

    public string Folder { get; } = folder;

    public static string DefaultFolder => CredentialFile.DefaultFolder;

    public string FilePath => Path.Combine(Folder, FileName);

    /// <summary>The stored cookies that are still valid at <paramref name="now"/>; an entry the app could not make is skipped.</summary>
    public List<HttpCookie> Load(DateTimeOffset now)
    {
        var cookies = new List<HttpCookie>();
        if (!File.Exists(FilePath))
            return cookies;
        List<StoredCookie>? entries;
        using (var stream = OperatingSystem.IsWindows() ? File.OpenRead(FilePath)
            : PrivateFile.OpenExisting(FilePath, FileAccess.Read))
            entries = JsonSerializer.Deserialize(stream, CookieJson.Default.ListStoredCookie);
        foreach (var entry in entries ?? [])
        {
            if (entry.ExpiresDate <= now)
                continue;
            try
            {
                cookies.Add(new HttpCookie(entry.Name, entry.Value, entry.Domain, entry.Path)
                {
                    IsHostOnly = entry.IsHostOnly,
                    ExpiresDate = entry.ExpiresDate,
                    IsSecure = entry.IsSecure,
                    IsHttpOnly = entry.IsHttpOnly,
                    SameSitePolicy = entry.SameSitePolicy,
                    CreatedAt = entry.CreatedAt,
                });
            }
            catch (ArgumentException)
            {
                // Edited by hand into something no Set-Cookie could have made: dropped, never sent.
            }
        }
        return cookies;
    }

    /// <summary>Replaces the file with <paramref name="cookies"/>: written under a new name, then renamed over the old one.</summary>
    public void Save(IEnumerable<HttpCookie> cookies)
    {
        var entries = new List<StoredCookie>();
        foreach (var cookie in cookies)
        {
            if (cookie.ExpiresDate is { } expires)
            {
                entries.Add(new StoredCookie(cookie.Name, cookie.Value, cookie.Domain, cookie.Path, cookie.IsHostOnly, expires,
                    cookie.IsSecure, cookie.IsHttpOnly, cookie.SameSitePolicy, cookie.CreatedAt));
            }
        }
        string temporary = FilePath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(Folder);
        else
            PrivateFolder.Ensure(Folder, Setting);
        try
        {
            using (var file = OperatingSystem.IsWindows()
                ? new FileStream(temporary, FileMode.CreateNew, FileAccess.Write)
                : PrivateFile.CreateNew(temporary, bufferSize: 4096))
                JsonSerializer.Serialize(file, entries, CookieJson.Default.ListStoredCookie);
            File.Move(temporary, FilePath, overwrite: true);
        }
        catch (IOException)
        {
            // A full disk: the half-written file goes, the last complete one stays.
            File.Delete(temporary);
            throw;
        }
    }
}

internal sealed record StoredCookie(string Name, string Value, string Domain, string Path, bool IsHostOnly, DateTimeOffset ExpiresDate,
    bool IsSecure, bool IsHttpOnly, string? SameSitePolicy, DateTimeOffset CreatedAt);

[JsonSerializable(typeof(List<StoredCookie>))]
internal sealed partial class CookieJson : JsonSerializerContext;

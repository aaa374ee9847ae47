using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using UrlLoading.Security;

namespace UrlLoading;

/// <summary>
/// The disk half of a <see cref="UrlCache"/>: an SQLite index (WAL) and one file per body in the cache's folder.
/// A body is written (to a temporary name, then renamed) before the index row that points to it, so a crash leaves
/// at worst an unreferenced file, which the next open deletes. Least recently used entries go first when the disk
/// capacity is reached.
/// </summary>
internal sealed class DiskCacheStore : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly string _folder;
    private readonly SqliteConnection _db;
    private readonly object _gate = new();
    private long _usage;

    public DiskCacheStore(string folder)
    {
        _folder = folder;
        string index = Path.Combine(folder, "index.db");
        PrepareFiles(folder, index);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = index, Pooling = false }.ToString());
        _db.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        Execute($"""
            CREATE TABLE IF NOT EXISTS entries(
                key TEXT PRIMARY KEY, file TEXT NOT NULL, size INTEGER NOT NULL, last_access INTEGER NOT NULL,
                request_time TEXT NOT NULL, response_time TEXT NOT NULL, url TEXT NOT NULL, status INTEGER NOT NULL,
                version TEXT NOT NULL, headers TEXT NOT NULL, vary TEXT NOT NULL);
            PRAGMA user_version = {SchemaVersion};
            """);
        _usage = Scalar("SELECT COALESCE(SUM(size), 0) FROM entries");
        RemoveUnreferencedFiles();
    }

    /// <summary>
    /// The folder is the cache's alone: 0700 and this user's (another user's folder, or a symlink, is refused), and
    /// the index is created 0600 before SQLite opens it, so its -wal and -shm files (which SQLite gives the index's
    /// mode) are 0600 too. An index this user already has is tightened to 0600.
    /// </summary>
    private static void PrepareFiles(string folder, string index)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        PrivateFolder.Ensure(folder, "the UrlCache's directory");
        PrivateFile.EnsureOwnDatabase(index);
    }

    public long Usage
    {
        get
        {
            lock (_gate)
                return _usage;
        }
    }

    public CacheEntry? Load(string key)
    {
        lock (_gate)
        {
            using var select = Command("SELECT file, request_time, response_time, url, status, version, headers, vary FROM entries WHERE key = $key");
            select.Parameters.AddWithValue("$key", key);
            using var reader = select.ExecuteReader();
            if (!reader.Read())
                return null;
            string file = Path.Combine(_folder, reader.GetString(0));
            if (!File.Exists(file))
                return null;
            var headers = HeaderLines(reader.GetString(6));
            var vary = JsonSerializer.Deserialize(reader.GetString(7), CacheJson.Default.DictionaryStringString) ?? [];
            var response = new HttpUrlResponse(new Uri(reader.GetString(3)), reader.GetInt32(4), reader.GetString(5), headers);
            var entry = new CacheEntry(new CachedUrlResponse(response, File.ReadAllBytes(file)),
                DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
                FromStrings(vary));
            reader.Close();
            using var touch = Command("UPDATE entries SET last_access = $now WHERE key = $key");
            touch.Parameters.AddWithValue("$now", DateTime.UtcNow.Ticks);
            touch.Parameters.AddWithValue("$key", key);
            touch.ExecuteNonQuery();
            return entry;
        }
    }

    public void Save(string key, CacheEntry entry, long capacity)
    {
        var body = entry.Cached.Data;
        if (body.Length > capacity)
        {
            Remove(key);
            return;
        }
        string name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] + ".body";
        string path = Path.Combine(_folder, name);
        string temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        using (var file = OperatingSystem.IsWindows() ? new FileStream(temporary, FileMode.CreateNew, FileAccess.Write) : PrivateFile.CreateNew(temporary))
            file.Write(body.Span);
        File.Move(temporary, path, overwrite: true);
        var response = entry.Response;
        lock (_gate)
        {
            long old = SizeOf(key);
            using var upsert = Command("""
                INSERT INTO entries(key, file, size, last_access, request_time, response_time, url, status, version, headers, vary)
                VALUES($key, $file, $size, $now, $req, $resp, $url, $status, $version, $headers, $vary)
                ON CONFLICT(key) DO UPDATE SET file = excluded.file, size = excluded.size, last_access = excluded.last_access,
                    request_time = excluded.request_time, response_time = excluded.response_time, url = excluded.url, status = excluded.status,
                    version = excluded.version, headers = excluded.headers, vary = excluded.vary
                """);
            upsert.Parameters.AddWithValue("$key", key);
            upsert.Parameters.AddWithValue("$file", name);
            upsert.Parameters.AddWithValue("$size", body.Length);
            upsert.Parameters.AddWithValue("$now", DateTime.UtcNow.Ticks);
            upsert.Parameters.AddWithValue("$req", entry.RequestTime.ToString("O", CultureInfo.InvariantCulture));
            upsert.Parameters.AddWithValue("$resp", entry.ResponseTime.ToString("O", CultureInfo.InvariantCulture));
            upsert.Parameters.AddWithValue("$url", response.Url.AbsoluteUri);
            upsert.Parameters.AddWithValue("$status", response.StatusCode);
            upsert.Parameters.AddWithValue("$version", response.HttpVersion);
            upsert.Parameters.AddWithValue("$headers", JsonSerializer.Serialize(HeaderLines(response), CacheJson.Default.ListStringArray));
            upsert.Parameters.AddWithValue("$vary", JsonSerializer.Serialize(ToStrings(entry.VaryValues), CacheJson.Default.DictionaryStringString));
            upsert.ExecuteNonQuery();
            _usage += body.Length - old;
            Evict(capacity);
        }
    }

    public void Remove(string key)
    {
        lock (_gate)
        {
            using var select = Command("SELECT file, size FROM entries WHERE key = $key");
            select.Parameters.AddWithValue("$key", key);
            using var reader = select.ExecuteReader();
            if (!reader.Read())
                return;
            string file = reader.GetString(0);
            long size = reader.GetInt64(1);
            reader.Close();
            Delete(key, file, size);
        }
    }

    /// <summary>Removes the entries whose response time is at or after <paramref name="date"/>.</summary>
    public void RemoveSince(DateTimeOffset date)
    {
        lock (_gate)
        {
            var doomed = new List<(string Key, string File, long Size)>();
            using (var select = Command("SELECT key, file, size, response_time FROM entries"))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture) >= date)
                        doomed.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
                }
            }
            foreach (var (key, file, size) in doomed)
                Delete(key, file, size);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            Execute("DELETE FROM entries");
            _usage = 0;
            RemoveUnreferencedFiles();
        }
    }

    public void Shrink(long capacity)
    {
        lock (_gate)
            Evict(capacity);
    }

    public void Dispose() => _db.Dispose();

    private void Evict(long capacity)
    {
        while (_usage > capacity)
        {
            using var oldest = Command("SELECT key, file, size FROM entries ORDER BY last_access LIMIT 1");
            using var reader = oldest.ExecuteReader();
            if (!reader.Read())
                return;
            var (key, file, size) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
            reader.Close();
            Delete(key, file, size);
        }
    }

    private void Delete(string key, string file, long size)
    {
        using var delete = Command("DELETE FROM entries WHERE key = $key");
        delete.Parameters.AddWithValue("$key", key);
        delete.ExecuteNonQuery();
        _usage -= size;
        File.Delete(Path.Combine(_folder, file));
    }

    private long SizeOf(string key)
    {
        using var select = Command("SELECT size FROM entries WHERE key = $key");
        select.Parameters.AddWithValue("$key", key);
        return select.ExecuteScalar() is long size ? size : 0;
    }

    /// <summary>Bodies no row points to: left by a crash between the file and its row, or by an eviction that could not delete.</summary>
    private void RemoveUnreferencedFiles()
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        using (var select = Command("SELECT file FROM entries"))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
                referenced.Add(reader.GetString(0));
        }
        foreach (var file in Directory.EnumerateFiles(_folder))
        {
            string name = Path.GetFileName(file);
            if ((name.EndsWith(".body", StringComparison.Ordinal) && !referenced.Contains(name)) || name.EndsWith(".tmp", StringComparison.Ordinal))
                File.Delete(file);
        }
    }

    /// <summary>The response's field lines as [name, value] pairs, so repeated Set-Cookie lines stay apart on disk.</summary>
    private static List<string[]> HeaderLines(HttpUrlResponse response)
    {
        var lines = new List<string[]>(response.Headers.Count);
        foreach (var (name, _) in response.Headers)
        {
            foreach (var value in response.AllHeaderFieldValues(name))
                lines.Add([name, value]);
        }
        return lines;
    }

    /// <summary>Field lines read back: [name, value] pairs, or the name-to-joined-value object older entries have.</summary>
    private static List<KeyValuePair<string, string>> HeaderLines(string json)
    {
        var lines = new List<KeyValuePair<string, string>>();
        if (json.StartsWith('['))
        {
            foreach (var pair in JsonSerializer.Deserialize(json, CacheJson.Default.ListStringArray) ?? [])
            {
                if (pair is [var name, var value])
                    lines.Add(new(name, value));
            }
            return lines;
        }
        lines.AddRange(JsonSerializer.Deserialize(json, CacheJson.Default.DictionaryStringString) ?? []);
        return lines;
    }

    private static Dictionary<string, string?> FromStrings(Dictionary<string, string> values)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values)
            result[name] = value == "\0" ? null : value;
        return result;
    }

    private static Dictionary<string, string> ToStrings(IReadOnlyDictionary<string, string?> values)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values)
            result[name] = value ?? "\0";
        return result;
    }

    private SqliteCommand Command(string sql)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using var command = Command(sql);
        return command.ExecuteScalar() is long value ? value : 0;
    }
}

[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string[]>))]
internal sealed partial class CacheJson : JsonSerializerContext;

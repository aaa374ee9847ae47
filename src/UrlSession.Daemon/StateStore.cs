using System.Text.Json;
using Microsoft.Data.Sqlite;
using UrlLoading.Background;
using UrlLoading.Security;

namespace UrlLoading.Daemon;

/// <summary>Identifies a background session: the app that owns it and its identifier.</summary>
internal readonly record struct SessionKey(string App, string Identifier)
{
    public override string ToString() => $"{App}/{Identifier}";
}

/// <summary>A task as the daemon keeps it.</summary>
internal sealed record TaskRow(SessionKey Session, TaskInfo Info, byte[]? ResumeData, DateTimeOffset Created);

/// <summary>
/// The daemon's state in SQLite (WAL, synchronous FULL): sessions, tasks with their last checkpoint, and the event
/// journal. Every change is a write of a <see cref="GroupCommit"/>: all or nothing, and durable (power loss
/// included) when its task completes; an event is journaled in the same write as the task state it reports, so a
/// restart never finds one without the other.
/// </summary>
internal sealed class StateStore : IAsyncDisposable
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private readonly GroupCommit _writes;

    public StateStore(string path)
    {
        // The database keeps what a retry must send again (URLs with passwords, Authorization headers): 0600, and SQLite
        // gives its -wal and -shm the database's mode.
        PrivateFile.EnsureOwnDatabase(path);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        // The WAL is cut back to 1 MiB after each checkpoint, so a burst of 10,000 tasks does not leave a large file behind.
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=1048576;");
        Execute("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS sessions(app TEXT NOT NULL, identifier TEXT NOT NULL, settings TEXT NOT NULL, PRIMARY KEY(app, identifier));
            CREATE TABLE IF NOT EXISTS tasks(
                app TEXT NOT NULL, identifier TEXT NOT NULL, task_id INTEGER NOT NULL,
                info TEXT NOT NULL, state TEXT NOT NULL, resume_data BLOB,
                bytes_received INTEGER NOT NULL DEFAULT 0, bytes_expected INTEGER NOT NULL DEFAULT -1,
                attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created TEXT NOT NULL,
                PRIMARY KEY(app, identifier, task_id));
            CREATE TABLE IF NOT EXISTS events(
                seq INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT NOT NULL, identifier TEXT NOT NULL, task_id INTEGER NOT NULL,
                kind TEXT NOT NULL, payload TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS events_pending ON events(app, identifier, delivered, seq);
            CREATE INDEX IF NOT EXISTS events_task ON events(app, identifier, task_id);
            """);
        string? version = Scalar<string>("SELECT value FROM meta WHERE key = 'schema'");
        if (version is null)
            Execute($"INSERT INTO meta(key, value) VALUES('schema', '{SchemaVersion}')");
        else if (version != SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"The state database {path} has schema {version}; this urlsessiond reads schema {SchemaVersion}. Use the urlsessiond that wrote it, or move the file away to start empty.");
        _writes = new GroupCommit(_db, _gate);
    }

    /// <summary>Groups committed and writes in them since the daemon started.</summary>
    public (long Groups, long Writes) Committed => _writes.Committed;

    /// <summary>The database's size on disk, its write-ahead log included.</summary>
    public long SizeOnDisk => SizeOf(_db.DataSource) + SizeOf(_db.DataSource + "-wal");

    private static long SizeOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    public Task SaveSessionAsync(SessionKey key, SessionSettings settings)
    {
        string json = JsonSerializer.Serialize(settings, ProtocolJson.Default.SessionSettings);
        return _writes.WriteAsync(transaction =>
        {
            using var command = Command("INSERT INTO sessions(app, identifier, settings) VALUES($app, $id, $settings) ON CONFLICT(app, identifier) DO UPDATE SET settings = excluded.settings", key, transaction);
            command.Parameters.AddWithValue("$settings", json);
            return command.ExecuteNonQuery();
        });
    }

    public List<(SessionKey Key, SessionSettings Settings)> Sessions()
    {
        var sessions = new List<(SessionKey, SessionSettings)>();
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT app, identifier, settings FROM sessions ORDER BY app, identifier";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                sessions.Add((new SessionKey(reader.GetString(0), reader.GetString(1)), JsonSerializer.Deserialize(reader.GetString(2), ProtocolJson.Default.SessionSettings)!));
        }
        return sessions;
    }

    public SessionSettings? Settings(SessionKey key)
    {
        lock (_gate)
        {
            using var command = Command("SELECT settings FROM sessions WHERE app = $app AND identifier = $id", key);
            return command.ExecuteScalar() is string json ? JsonSerializer.Deserialize(json, ProtocolJson.Default.SessionSettings) : null;
        }
    }

    /// <summary>Adds a task; false when the session already has a task with that identifier.</summary>
    /// <summary>Adds a task and returns it; null when the session already has a task with that identifier.</summary>
    public Task<TaskRow?> AddTaskAsync(SessionKey key, TaskInfo info, byte[]? resumeData)
    {
        string json = JsonSerializer.Serialize(info, ProtocolJson.Default.TaskInfo);
        var created = DateTimeOffset.UtcNow;
        return _writes.WriteAsync(transaction =>
        {
            using var command = Command("""
                INSERT OR IGNORE INTO tasks(app, identifier, task_id, info, state, resume_data, created)
                VALUES($app, $id, $task, $info, $state, $resume, $created)
                """, key, transaction);
            command.Parameters.AddWithValue("$task", info.TaskIdentifier);
            command.Parameters.AddWithValue("$info", json);
            command.Parameters.AddWithValue("$state", info.State);
            command.Parameters.AddWithValue("$resume", (object?)resumeData ?? DBNull.Value);
            command.Parameters.AddWithValue("$created", created.ToString("O"));
            return command.ExecuteNonQuery() == 1
                ? new TaskRow(key, info with { BytesReceived = 0, BytesExpected = -1, Attempts = 0, LastError = null }, resumeData, created)
                : null;
        });
    }

    /// <summary>One task of a session, with its live state; null when the session has no such task.</summary>
    public TaskRow? Task(SessionKey key, int taskIdentifier)
    {
        lock (_gate)
        {
            using var command = Command(SelectTasks + " WHERE app = $app AND identifier = $id AND task_id = $task", key);
            command.Parameters.AddWithValue("$task", taskIdentifier);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadTask(reader) : null;
        }
    }

    /// <summary>The tasks of a session (or all sessions), with their live state.</summary>
    public List<TaskRow> Tasks(SessionKey? key = null, string? state = null)
    {
        var rows = new List<TaskRow>();
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = SelectTasks
                + (key is null ? " WHERE" : " WHERE app = $app AND identifier = $id AND") + " ($state IS NULL OR state = $state)"
                + " ORDER BY app, identifier, task_id";
            command.Parameters.AddWithValue("$app", (object?)key?.App ?? DBNull.Value);
            command.Parameters.AddWithValue("$id", (object?)key?.Identifier ?? DBNull.Value);
            command.Parameters.AddWithValue("$state", (object?)state ?? DBNull.Value);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                rows.Add(ReadTask(reader));
        }
        return rows;
    }

    private const string SelectTasks =
        "SELECT app, identifier, info, state, resume_data, bytes_received, bytes_expected, attempts, last_error, created FROM tasks";

    private static TaskRow ReadTask(SqliteDataReader reader)
    {
        var info = JsonSerializer.Deserialize(reader.GetString(2), ProtocolJson.Default.TaskInfo)! with
        {
            State = reader.GetString(3),
            BytesReceived = reader.GetInt64(5),
            BytesExpected = reader.GetInt64(6),
            Attempts = reader.GetInt32(7),
            LastError = reader.IsDBNull(8) ? null : reader.GetString(8),
        };
        return new TaskRow(new SessionKey(reader.GetString(0), reader.GetString(1)), info,
            reader.IsDBNull(4) ? null : (byte[])reader[4], DateTimeOffset.Parse(reader.GetString(9), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Records the bytes that are on disk (already flushed) and what continues from them.</summary>
    public Task CheckpointAsync(SessionKey key, int task, byte[] resumeData, long bytesOnDisk, long expected) =>
        _writes.WriteAsync(transaction =>
        {
            using var command = Command("UPDATE tasks SET resume_data = $resume, bytes_received = $bytes, bytes_expected = $expected WHERE app = $app AND identifier = $id AND task_id = $task", key, transaction);
            command.Parameters.AddWithValue("$resume", resumeData);
            command.Parameters.AddWithValue("$bytes", bytesOnDisk);
            command.Parameters.AddWithValue("$expected", expected);
            command.Parameters.AddWithValue("$task", task);
            return command.ExecuteNonQuery();
        });

    public Task RecordAttemptAsync(SessionKey key, int task, string error, byte[]? resumeData) =>
        _writes.WriteAsync(transaction =>
        {
            using var command = Command("UPDATE tasks SET attempts = attempts + 1, last_error = $error, resume_data = $resume WHERE app = $app AND identifier = $id AND task_id = $task", key, transaction);
            command.Parameters.AddWithValue("$error", error);
            command.Parameters.AddWithValue("$resume", (object?)resumeData ?? DBNull.Value);
            command.Parameters.AddWithValue("$task", task);
            return command.ExecuteNonQuery();
        });

    /// <summary>Journals an event and moves the task to <paramref name="newState"/> in one write; returns the event's sequence number.</summary>
    public Task<long> JournalAsync(SessionKey key, int task, string kind, EventMessage message, string newState)
    {
        string payload = JsonSerializer.Serialize(message, ProtocolJson.Default.EventMessage);
        return _writes.WriteAsync(transaction =>
        {
            using (var update = Command("UPDATE tasks SET state = $state, bytes_received = MAX(bytes_received, $bytes) WHERE app = $app AND identifier = $id AND task_id = $task", key, transaction))
            {
                update.Parameters.AddWithValue("$state", newState);
                update.Parameters.AddWithValue("$bytes", message.TotalBytesWritten);
                update.Parameters.AddWithValue("$task", task);
                update.ExecuteNonQuery();
            }
            using var insert = Command("INSERT INTO events(app, identifier, task_id, kind, payload) VALUES($app, $id, $task, $kind, $payload) RETURNING seq", key, transaction);
            insert.Parameters.AddWithValue("$task", task);
            insert.Parameters.AddWithValue("$kind", kind);
            insert.Parameters.AddWithValue("$payload", payload);
            return (long)insert.ExecuteScalar()!;
        });
    }

    /// <summary>Events of a session not yet acknowledged, after <paramref name="afterSequence"/>, oldest first, at most <paramref name="limit"/> of them.</summary>
    public List<EventMessage> PendingEvents(SessionKey key, long afterSequence, int limit)
    {
        var events = new List<EventMessage>();
        lock (_gate)
        {
            using var command = Command("SELECT seq, payload FROM events WHERE app = $app AND identifier = $id AND delivered = 0 AND seq > $after ORDER BY seq LIMIT $limit", key);
            command.Parameters.AddWithValue("$after", afterSequence);
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                events.Add(JsonSerializer.Deserialize(reader.GetString(1), ProtocolJson.Default.EventMessage)! with { Sequence = reader.GetInt64(0) });
        }
        return events;
    }

    public int PendingCount(SessionKey key)
    {
        lock (_gate)
        {
            using var command = Command("SELECT COUNT(*) FROM events WHERE app = $app AND identifier = $id AND delivered = 0", key);
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// Marks an event delivered. When it was a task's completion, the task and its events are forgotten.
    /// Returns the acknowledged event, or null when it was unknown or already acknowledged.
    /// </summary>
    public Task<EventMessage?> AcknowledgeAsync(SessionKey key, long sequence) => _writes.WriteAsync(transaction =>
        {
            EventMessage? message = null;
            using (var select = Command("SELECT payload, kind, task_id FROM events WHERE seq = $seq AND app = $app AND identifier = $id AND delivered = 0", key, transaction))
            {
                select.Parameters.AddWithValue("$seq", sequence);
                using var reader = select.ExecuteReader();
                if (reader.Read())
                    message = JsonSerializer.Deserialize(reader.GetString(0), ProtocolJson.Default.EventMessage)! with { Sequence = sequence };
            }
            if (message is null)
                return null;
            using (var mark = Command("UPDATE events SET delivered = 1 WHERE seq = $seq", key, transaction))
            {
                mark.Parameters.AddWithValue("$seq", sequence);
                mark.ExecuteNonQuery();
            }
            if (message.Kind == EventKinds.Completed)
            {
                using var forget = Command("DELETE FROM events WHERE app = $app AND identifier = $id AND task_id = $task; DELETE FROM tasks WHERE app = $app AND identifier = $id AND task_id = $task", key, transaction);
                forget.Parameters.AddWithValue("$task", message.TaskIdentifier);
                forget.ExecuteNonQuery();
            }
            return message;
        });

    /// <summary>Every file an undelivered event hands over (so a sweep keeps them).</summary>
    public HashSet<string> PendingLocations()
    {
        var locations = new HashSet<string>(StringComparer.Ordinal);
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT payload FROM events WHERE delivered = 0 AND kind = 'finished'";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (JsonSerializer.Deserialize(reader.GetString(0), ProtocolJson.Default.EventMessage)?.Location is { } location)
                    locations.Add(location);
            }
        }
        return locations;
    }

    /// <summary>Commits the writes still queued, then closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync();
        _db.Dispose();
    }

    private SqliteCommand Command(string sql, SessionKey key, SqliteTransaction? transaction = null)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$app", key.App);
        command.Parameters.AddWithValue("$id", key.Identifier);
        return command;
    }

    private void Execute(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private T? Scalar<T>(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() is T value ? value : default;
    }
}

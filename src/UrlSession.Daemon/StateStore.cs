using System.Text.Json;
using Microsoft.Data.Sqlite;
using UrlLoading.Background;

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
/// journal. Every change that must survive a crash is one transaction; an event is journaled in the same
/// transaction as the task state it reports, so a restart never finds one without the other.
/// </summary>
internal sealed class StateStore : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    public StateStore(string path)
    {
        // The database keeps what a retry must send again (URLs with passwords, Authorization headers): 0600, and SQLite
        // gives its -wal and -shm the database's mode.
        PrivateStateFile.Ensure(path);
        PrivateStateFile.TightenIfPresent(path + "-wal");
        PrivateStateFile.TightenIfPresent(path + "-shm");
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
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
            """);
        string? version = Scalar<string>("SELECT value FROM meta WHERE key = 'schema'");
        if (version is null)
            Execute($"INSERT INTO meta(key, value) VALUES('schema', '{SchemaVersion}')");
        else if (version != SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"The state database {path} has schema {version}; this urlsessiond reads schema {SchemaVersion}. Use the urlsessiond that wrote it, or move the file away to start empty.");
    }

    public void SaveSession(SessionKey key, SessionSettings settings)
    {
        lock (_gate)
        {
            using var command = Command("INSERT INTO sessions(app, identifier, settings) VALUES($app, $id, $settings) ON CONFLICT(app, identifier) DO UPDATE SET settings = excluded.settings", key);
            command.Parameters.AddWithValue("$settings", JsonSerializer.Serialize(settings, ProtocolJson.Default.SessionSettings));
            command.ExecuteNonQuery();
        }
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
    public bool AddTask(SessionKey key, TaskInfo info, byte[]? resumeData)
    {
        lock (_gate)
        {
            using var command = Command("""
                INSERT OR IGNORE INTO tasks(app, identifier, task_id, info, state, resume_data, created)
                VALUES($app, $id, $task, $info, 'running', $resume, $created)
                """, key);
            command.Parameters.AddWithValue("$task", info.TaskIdentifier);
            command.Parameters.AddWithValue("$info", JsonSerializer.Serialize(info, ProtocolJson.Default.TaskInfo));
            command.Parameters.AddWithValue("$resume", (object?)resumeData ?? DBNull.Value);
            command.Parameters.AddWithValue("$created", DateTimeOffset.UtcNow.ToString("O"));
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>One task of a session, with its live state; null when the session has no such task.</summary>
    public TaskRow? Task(SessionKey key, int taskIdentifier) => Tasks(key, taskIdentifier: taskIdentifier) is [var row] ? row : null;

    /// <summary>The tasks of a session (or all sessions), with their live state.</summary>
    public List<TaskRow> Tasks(SessionKey? key = null, string? state = null, int? taskIdentifier = null)
    {
        var rows = new List<TaskRow>();
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT app, identifier, info, state, resume_data, bytes_received, bytes_expected, attempts, last_error, created FROM tasks"
                + " WHERE ($app IS NULL OR (app = $app AND identifier = $id)) AND ($state IS NULL OR state = $state) AND ($task IS NULL OR task_id = $task)"
                + " ORDER BY app, identifier, task_id";
            command.Parameters.AddWithValue("$app", (object?)key?.App ?? DBNull.Value);
            command.Parameters.AddWithValue("$id", (object?)key?.Identifier ?? DBNull.Value);
            command.Parameters.AddWithValue("$state", (object?)state ?? DBNull.Value);
            command.Parameters.AddWithValue("$task", (object?)taskIdentifier ?? DBNull.Value);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var info = JsonSerializer.Deserialize(reader.GetString(2), ProtocolJson.Default.TaskInfo)! with
                {
                    State = reader.GetString(3),
                    BytesReceived = reader.GetInt64(5),
                    BytesExpected = reader.GetInt64(6),
                    Attempts = reader.GetInt32(7),
                    LastError = reader.IsDBNull(8) ? null : reader.GetString(8),
                };
                rows.Add(new TaskRow(new SessionKey(reader.GetString(0), reader.GetString(1)), info,
                    reader.IsDBNull(4) ? null : (byte[])reader[4], DateTimeOffset.Parse(reader.GetString(9), System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        return rows;
    }

    /// <summary>Records the bytes that are on disk (already flushed) and what continues from them.</summary>
    public void Checkpoint(SessionKey key, int task, byte[] resumeData, long bytesOnDisk, long expected)
    {
        lock (_gate)
        {
            using var command = Command("UPDATE tasks SET resume_data = $resume, bytes_received = $bytes, bytes_expected = $expected WHERE app = $app AND identifier = $id AND task_id = $task", key);
            command.Parameters.AddWithValue("$resume", resumeData);
            command.Parameters.AddWithValue("$bytes", bytesOnDisk);
            command.Parameters.AddWithValue("$expected", expected);
            command.Parameters.AddWithValue("$task", task);
            command.ExecuteNonQuery();
        }
    }

    public void RecordAttempt(SessionKey key, int task, string error, byte[]? resumeData)
    {
        lock (_gate)
        {
            using var command = Command("UPDATE tasks SET attempts = attempts + 1, last_error = $error, resume_data = $resume WHERE app = $app AND identifier = $id AND task_id = $task", key);
            command.Parameters.AddWithValue("$error", error);
            command.Parameters.AddWithValue("$resume", (object?)resumeData ?? DBNull.Value);
            command.Parameters.AddWithValue("$task", task);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Journals an event and moves the task to <paramref name="newState"/> in one transaction; returns the event's sequence number.</summary>
    public long Journal(SessionKey key, int task, string kind, EventMessage message, string newState)
    {
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            using (var update = Command("UPDATE tasks SET state = $state, bytes_received = MAX(bytes_received, $bytes) WHERE app = $app AND identifier = $id AND task_id = $task", key))
            {
                update.Transaction = transaction;
                update.Parameters.AddWithValue("$state", newState);
                update.Parameters.AddWithValue("$bytes", message.TotalBytesWritten);
                update.Parameters.AddWithValue("$task", task);
                update.ExecuteNonQuery();
            }
            long seq;
            using (var insert = Command("INSERT INTO events(app, identifier, task_id, kind, payload) VALUES($app, $id, $task, $kind, $payload) RETURNING seq", key))
            {
                insert.Transaction = transaction;
                insert.Parameters.AddWithValue("$task", task);
                insert.Parameters.AddWithValue("$kind", kind);
                insert.Parameters.AddWithValue("$payload", JsonSerializer.Serialize(message, ProtocolJson.Default.EventMessage));
                seq = (long)insert.ExecuteScalar()!;
            }
            transaction.Commit();
            return seq;
        }
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
    public EventMessage? Acknowledge(SessionKey key, long sequence)
    {
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            EventMessage? message = null;
            using (var select = Command("SELECT payload, kind, task_id FROM events WHERE seq = $seq AND app = $app AND identifier = $id AND delivered = 0", key))
            {
                select.Transaction = transaction;
                select.Parameters.AddWithValue("$seq", sequence);
                using var reader = select.ExecuteReader();
                if (reader.Read())
                    message = JsonSerializer.Deserialize(reader.GetString(0), ProtocolJson.Default.EventMessage)! with { Sequence = sequence };
            }
            if (message is null)
                return null;
            using (var mark = Command("UPDATE events SET delivered = 1 WHERE seq = $seq", key))
            {
                mark.Transaction = transaction;
                mark.Parameters.AddWithValue("$seq", sequence);
                mark.ExecuteNonQuery();
            }
            if (message.Kind == EventKinds.Completed)
            {
                using var forget = Command("DELETE FROM events WHERE app = $app AND identifier = $id AND task_id = $task; DELETE FROM tasks WHERE app = $app AND identifier = $id AND task_id = $task", key);
                forget.Transaction = transaction;
                forget.Parameters.AddWithValue("$task", message.TaskIdentifier);
                forget.ExecuteNonQuery();
            }
            transaction.Commit();
            return message;
        }
    }

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

    public void Dispose() => _db.Dispose();

    private SqliteCommand Command(string sql, SessionKey key)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
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

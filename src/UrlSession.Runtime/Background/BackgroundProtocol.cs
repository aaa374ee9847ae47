using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace UrlLoading.Background;

/// <summary>
/// The messages between the runtime and urlsessiond: JSON-RPC 2.0, one message per line, over a Unix domain socket.
/// <see cref="Version"/> changes whenever a message changes shape; both ends refuse a version they do not speak.
/// </summary>
internal static class BackgroundProtocol
{
    public const int Version = 1;

    public const string Hello = "hello";
    public const string Attach = "attach";
    public const string CreateTask = "createTask";
    public const string Cancel = "cancel";
    public const string Replay = "replay";
    public const string Ack = "ack";
    public const string List = "list";
    public const string Status = "status";
    public const string Logs = "logs";

    /// <summary>Asks the daemon to stop as on <c>SIGTERM</c>: every running transfer checkpoints first.</summary>
    public const string Stop = "stop";

    /// <summary>The daemon's notification that carries one <see cref="EventMessage"/>.</summary>
    public const string Event = "event";

    /// <summary>
    /// The daemon's request to the app that has the session open: answer an authentication or server-trust challenge
    /// (<see cref="ChallengeParams"/> → <see cref="ChallengeAnswer"/>). An app that does not know it answers "no
    /// method", and the daemon falls back to default handling, as it does when no app is connected.
    /// </summary>
    public const string Challenge = "challenge";

    /// <summary>JSON-RPC error codes of this protocol (the -32xxx range is JSON-RPC's own).</summary>
    public const int SessionInUse = 1;
    public const int UnknownSession = 2;
    public const int InvalidRequest = 4;
    public const int VersionMismatch = 5;
}

/// <summary>Event kinds, in the order a task produces them.</summary>
internal static class EventKinds
{
    public const string Progress = "progress";
    public const string Finished = "finished";
    public const string Completed = "completed";
    public const string ReplayDone = "replayDone";
}

internal sealed record HelloParams(int Protocol, string App, int Pid);

internal sealed record HelloResult(int Protocol, string Daemon, int Pid);

internal sealed record SessionSettings(
    double RequestTimeoutSeconds,
    double ResourceTimeoutSeconds,
    bool Discretionary,
    bool SendsLaunchEvents,
    string? LaunchCommand,
    int MaximumConnectionsPerHost);

internal sealed record AttachParams(string Identifier, SessionSettings Settings);

internal sealed record RequestInfo(string Url, string Method, Dictionary<string, string> Headers);

internal sealed record TaskInfo(
    int TaskIdentifier,
    string Kind,
    RequestInfo Request,
    string? Description,
    string State,
    string? UploadFile,
    long BytesReceived,
    long BytesExpected,
    long BytesSent,
    int Attempts,
    string? LastError,
    TransferRate? Rate = null);

/// <summary>In <c>list</c>: what the attempt under way has moved (checkpointed or not) and its bytes per second lately.</summary>
internal sealed record TransferRate(long BytesMoved, double BytesPerSecond);

internal sealed record AttachResult(List<TaskInfo> Tasks);

internal sealed record CreateTaskParams(string Identifier, TaskInfo Task, string? ResumeData);

/// <summary>One task of one session; <paramref name="ProduceResumeData"/>, for <c>cancel</c>, says the app asked for resume data (an older daemon ignores it and produces none).</summary>
internal sealed record TaskParams(string Identifier, int TaskIdentifier, bool ProduceResumeData = false);

internal sealed record SessionParams(string Identifier);

internal sealed record AckParams(string Identifier, long Sequence);

internal sealed record ReplayResult(int Pending);

internal sealed record ResponseInfo(string Url, int StatusCode, Dictionary<string, string> Headers);

internal sealed record EventMessage(
    string Identifier,
    long Sequence,
    int TaskIdentifier,
    string Kind,
    long BytesWritten,
    long TotalBytesWritten,
    long TotalBytesExpected,
    string? Location,
    ResponseInfo? Response,
    int ErrorCode,
    string? ErrorMessage,
    string? ResumeData,
    string? Body = null);

/// <summary>A server's certificate chain (leaf first, DER in base64) and the daemon platform's verdict on it.</summary>
internal sealed record TrustInfo(List<string> Chain, int PolicyErrors, bool HasBadDate);

internal sealed record SpaceInfo(string Host, int Port, string Protocol, string? Realm, string AuthenticationMethod, bool IsProxy, TrustInfo? Trust);

/// <summary>A challenge met by a task (<paramref name="TaskIdentifier"/> above 0) or by the session's connections (0: server trust).</summary>
internal sealed record ChallengeParams(string Identifier, int TaskIdentifier, SpaceInfo Space, int PreviousFailureCount, ResponseInfo? FailureResponse);

/// <summary>The app's answer: a disposition (<c>useCredential</c>, <c>default</c>, <c>cancel</c>, <c>reject</c>) and, for <c>useCredential</c>, a password credential or the acceptance of the offered trust.</summary>
internal sealed record ChallengeAnswer(string Disposition, string? User = null, string? Password = null, bool AcceptsTrust = false);

internal sealed record SessionInfo(string App, string Identifier, bool Connected, List<TaskInfo> Tasks, int PendingEvents);

internal sealed record ListResult(List<SessionInfo> Sessions);

/// <summary>
/// The daemon at a glance. <paramref name="WaitingTasks"/> wait for a transfer slot or a retry;
/// <paramref name="PendingEvents"/> wait for an app; the rates are over the last few seconds; the commits count
/// the database's group commits and the writes in them; <paramref name="DatabaseBytes"/> includes the write-ahead log.
/// </summary>
internal sealed record StatusResult(int Pid, string Version, int Protocol, double UptimeSeconds, int Sessions, int ActiveTransfers, string StateFolder, string Socket,
    int WaitingTasks = 0, int PendingEvents = 0, double BytesPerSecond = 0, double CompletionsPerSecond = 0, long CompletedTasks = 0,
    long Commits = 0, long CommittedWrites = 0, long DatabaseBytes = 0, long PeakMemoryBytes = 0);

internal sealed record LogsResult(List<string> Lines);

internal sealed record Empty;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HelloParams))]
[JsonSerializable(typeof(HelloResult))]
[JsonSerializable(typeof(AttachParams))]
[JsonSerializable(typeof(AttachResult))]
[JsonSerializable(typeof(CreateTaskParams))]
[JsonSerializable(typeof(TaskParams))]
[JsonSerializable(typeof(SessionParams))]
[JsonSerializable(typeof(AckParams))]
[JsonSerializable(typeof(ReplayResult))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(ListResult))]
[JsonSerializable(typeof(StatusResult))]
[JsonSerializable(typeof(LogsResult))]
[JsonSerializable(typeof(Empty))]
[JsonSerializable(typeof(RequestInfo))]
[JsonSerializable(typeof(SessionSettings))]
[JsonSerializable(typeof(TaskInfo))]
[JsonSerializable(typeof(ResponseInfo))]
[JsonSerializable(typeof(ChallengeParams))]
[JsonSerializable(typeof(ChallengeAnswer))]
internal sealed partial class ProtocolJson : JsonSerializerContext;

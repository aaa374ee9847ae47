using System.Collections.Immutable;

namespace UrlLoading.Roslyn;

/// <summary>A type in the callback catalog: its metadata name (with type arguments for generics) and how generated code writes it.</summary>
internal sealed class TypeRef
{
    public TypeRef(string metadataName, string display, params TypeRef[] typeArguments)
    {
        MetadataName = metadataName;
        Display = display;
        TypeArguments = ImmutableArray.Create(typeArguments);
    }

    public string MetadataName { get; }

    public string Display { get; }

    public ImmutableArray<TypeRef> TypeArguments { get; }

    public bool IsTuple => MetadataName.StartsWith("System.ValueTuple`", System.StringComparison.Ordinal);
}

/// <summary>One parameter of a callback (after the optional leading session parameter).</summary>
internal sealed class CallbackParameter(string name, TypeRef type)
{
    public string Name { get; } = name;

    public TypeRef Type { get; } = type;
}

/// <summary>One callback of Apple's delegate protocols, as <c>IUrlSessionDelegate</c> declares it.</summary>
internal sealed class CallbackDefinition(string name, string flag, string protocol, TypeRef? result, params CallbackParameter[] parameters)
{
    public string Name { get; } = name;

    /// <summary>The <c>UrlSessionCallbacks</c> member.</summary>
    public string Flag { get; } = flag;

    /// <summary>Apple's protocol: session, task, data or download.</summary>
    public string Protocol { get; } = protocol;

    /// <summary>What the callback answers, or null for a notification.</summary>
    public TypeRef? Result { get; } = result;

    public ImmutableArray<CallbackParameter> Parameters { get; } = ImmutableArray.Create(parameters);
}

/// <summary>
/// Every callback the generator binds and the analyzer checks. The single source of truth for both; the runtime's
/// <c>IUrlSessionDelegate</c> must agree with it (a test compares them).
/// </summary>
internal static class CallbackCatalog
{
    public const string AttributeMetadataName = "UrlLoading.UrlSessionDelegateAttribute";
    public const string InterfaceDisplay = "global::UrlLoading.IUrlSessionDelegate";
    public const string SessionMetadataName = "UrlLoading.UrlSession";

    private static readonly TypeRef Session = new(SessionMetadataName, "global::UrlLoading.UrlSession");
    private static readonly TypeRef Task = new("UrlLoading.UrlSessionTask", "global::UrlLoading.UrlSessionTask");
    private static readonly TypeRef DataTask = new("UrlLoading.UrlSessionDataTask", "global::UrlLoading.UrlSessionDataTask");
    private static readonly TypeRef DownloadTask = new("UrlLoading.UrlSessionDownloadTask", "global::UrlLoading.UrlSessionDownloadTask");
    private static readonly TypeRef Request = new("UrlLoading.UrlRequest", "global::UrlLoading.UrlRequest");
    private static readonly TypeRef NullableRequest = new("UrlLoading.UrlRequest", "global::UrlLoading.UrlRequest?");
    private static readonly TypeRef Response = new("UrlLoading.UrlResponse", "global::UrlLoading.UrlResponse");
    private static readonly TypeRef HttpResponse = new("UrlLoading.HttpUrlResponse", "global::UrlLoading.HttpUrlResponse");
    private static readonly TypeRef Challenge = new("UrlLoading.UrlAuthenticationChallenge", "global::UrlLoading.UrlAuthenticationChallenge");
    private static readonly TypeRef Cached = new("UrlLoading.CachedUrlResponse", "global::UrlLoading.CachedUrlResponse");
    private static readonly TypeRef NullableCached = new("UrlLoading.CachedUrlResponse", "global::UrlLoading.CachedUrlResponse?");
    private static readonly TypeRef Metrics = new("UrlLoading.UrlSessionTaskMetrics", "global::UrlLoading.UrlSessionTaskMetrics");
    private static readonly TypeRef UrlError = new("UrlLoading.UrlError", "global::UrlLoading.UrlError?");
    private static readonly TypeRef Exception = new("System.Exception", "global::System.Exception?");
    private static readonly TypeRef Stream = new("System.IO.Stream", "global::System.IO.Stream?");
    private static readonly TypeRef Int64 = new("System.Int64", "long");
    private static readonly TypeRef String = new("System.String", "string");
    private static readonly TypeRef Bytes = new("System.ReadOnlyMemory`1", "global::System.ReadOnlyMemory<byte>", new TypeRef("System.Byte", "byte"));
    private static readonly TypeRef ResponseDisposition = new("UrlLoading.ResponseDisposition", "global::UrlLoading.ResponseDisposition");
    private static readonly TypeRef ChallengeAnswer = new("System.ValueTuple`2",
        "(global::UrlLoading.AuthChallengeDisposition Disposition, global::UrlLoading.UrlCredential? Credential)",
        new TypeRef("UrlLoading.AuthChallengeDisposition", "global::UrlLoading.AuthChallengeDisposition"),
        new TypeRef("UrlLoading.UrlCredential", "global::UrlLoading.UrlCredential?"));
    private static readonly TypeRef DelayedAnswer = new("System.ValueTuple`2",
        "(global::UrlLoading.DelayedRequestDisposition Disposition, global::UrlLoading.UrlRequest? NewRequest)",
        new TypeRef("UrlLoading.DelayedRequestDisposition", "global::UrlLoading.DelayedRequestDisposition"),
        NullableRequest);

    public static TypeRef SessionType => Session;

    public static ImmutableArray<CallbackDefinition> All { get; } = ImmutableArray.Create(
        new CallbackDefinition("DidBecomeInvalid", "DidBecomeInvalid", "session", null,
            new CallbackParameter("error", Exception)),
        new CallbackDefinition("DidReceiveChallenge", "DidReceiveSessionChallenge", "session", ChallengeAnswer,
            new CallbackParameter("challenge", Challenge)),
        new CallbackDefinition("DidFinishEventsForBackgroundSession", "DidFinishEventsForBackgroundSession", "session", null),
        new CallbackDefinition("DidCreateTask", "DidCreateTask", "task", null,
            new CallbackParameter("task", Task)),
        new CallbackDefinition("WillBeginDelayedRequest", "WillBeginDelayedRequest", "task", DelayedAnswer,
            new CallbackParameter("task", Task), new CallbackParameter("request", Request)),
        new CallbackDefinition("TaskIsWaitingForConnectivity", "TaskIsWaitingForConnectivity", "task", null,
            new CallbackParameter("task", Task)),
        new CallbackDefinition("WillPerformHttpRedirection", "WillPerformHttpRedirection", "task", NullableRequest,
            new CallbackParameter("task", Task), new CallbackParameter("response", HttpResponse), new CallbackParameter("newRequest", Request)),
        new CallbackDefinition("DidReceiveChallenge", "DidReceiveTaskChallenge", "task", ChallengeAnswer,
            new CallbackParameter("task", Task), new CallbackParameter("challenge", Challenge)),
        new CallbackDefinition("NeedNewBodyStream", "NeedNewBodyStream", "task", Stream,
            new CallbackParameter("task", Task)),
        new CallbackDefinition("DidSendBodyData", "DidSendBodyData", "task", null,
            new CallbackParameter("task", Task), new CallbackParameter("bytesSent", Int64),
            new CallbackParameter("totalBytesSent", Int64), new CallbackParameter("totalBytesExpectedToSend", Int64)),
        new CallbackDefinition("DidFinishCollectingMetrics", "DidFinishCollectingMetrics", "task", null,
            new CallbackParameter("task", Task), new CallbackParameter("metrics", Metrics)),
        new CallbackDefinition("DidCompleteWithError", "DidCompleteWithError", "task", null,
            new CallbackParameter("task", Task), new CallbackParameter("error", UrlError)),
        new CallbackDefinition("DidReceiveResponse", "DidReceiveResponse", "data", ResponseDisposition,
            new CallbackParameter("task", DataTask), new CallbackParameter("response", Response)),
        new CallbackDefinition("DidBecomeDownloadTask", "DidBecomeDownloadTask", "data", null,
            new CallbackParameter("task", DataTask), new CallbackParameter("downloadTask", DownloadTask)),
        new CallbackDefinition("DidReceiveData", "DidReceiveData", "data", null,
            new CallbackParameter("task", DataTask), new CallbackParameter("data", Bytes)),
        new CallbackDefinition("WillCacheResponse", "WillCacheResponse", "data", NullableCached,
            new CallbackParameter("task", DataTask), new CallbackParameter("proposedResponse", Cached)),
        new CallbackDefinition("DidFinishDownloading", "DidFinishDownloading", "download", null,
            new CallbackParameter("task", DownloadTask), new CallbackParameter("location", String)),
        new CallbackDefinition("DidWriteData", "DidWriteData", "download", null,
            new CallbackParameter("task", DownloadTask), new CallbackParameter("bytesWritten", Int64),
            new CallbackParameter("totalBytesWritten", Int64), new CallbackParameter("totalBytesExpectedToWrite", Int64)),
        new CallbackDefinition("DidResumeAtOffset", "DidResumeAtOffset", "download", null,
            new CallbackParameter("task", DownloadTask), new CallbackParameter("fileOffset", Int64),
            new CallbackParameter("expectedTotalBytes", Int64)));

    public static bool IsCallbackName(string name)
    {
        foreach (var callback in All)
        {
            if (callback.Name == name)
                return true;
        }
        return false;
    }
}

using System;
using System.IO;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using UrlLoading.Transfer;

namespace UrlLoading;

/// <summary>
/// A data task that sends a body from a file, from bytes, or from a stream the delegate provides (Apple's
/// <c>URLSessionUploadTask</c>). <c>DidSendBodyData</c> reports bytes written to the connection; the response body
/// arrives through the data callbacks or the completion handler.
/// </summary>
public class UrlSessionUploadTask : UrlSessionDataTask
{
    private readonly string? _file;
    private readonly ReadOnlyMemory<byte>? _bytes;

    internal UrlSessionUploadTask(UrlSession session, int identifier, UrlRequest request, string? file, ReadOnlyMemory<byte>? bytes,
        Action<byte[]?, UrlResponse?, UrlError?>? completionHandler, TaskCompletionSource<(byte[] Data, UrlResponse Response)>? awaiter)
        : base(session, identifier, request, completionHandler, awaiter)
    {
        _file = file;
        _bytes = bytes;
        SetExpectedToSend(file is not null ? (File.Exists(file) ? new FileInfo(file).Length : -1) : bytes?.Length ?? -1);
    }

    /// <summary>A file upload of a background session that the daemon already runs, re-created when the session attaches again.</summary>
    internal UrlSessionUploadTask(UrlSession session, int identifier, UrlRequest request, string file, string? description)
        : this(session, identifier, request, file, null, null, null)
    {
        MarkReattached(description);
    }

    private protected override async Task TransferAsync(TransferClock clock, MetricsRecorder metrics)
    {
        if (Session.Background is { } link)
        {
            // The daemon sends the file; the response body comes with the completion event.
            clock.Pause();
            if (await RunInDaemonAsync(link, "upload", Path.GetFullPath(_file!), null).ConfigureAwait(false) is { } error)
                throw error;
            return;
        }
        await base.TransferAsync(clock, metrics).ConfigureAwait(false);
    }

    /// <summary>Checks an upload file before a task is created: a missing or unreadable file fails at the call, not later.</summary>
    internal static void ValidateFile(string path, Uri url)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new UrlError(UrlErrorCode.FileIsDirectory, url, $"'{path}' is a folder; pass the path of the file to upload.");
        if (!File.Exists(path))
            throw new UrlError(UrlErrorCode.FileDoesNotExist, url, $"The file to upload, '{path}', does not exist; check the path (relative paths start at {Environment.CurrentDirectory}).");
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UrlError(UrlErrorCode.NoPermissionsToReadFile, url, $"The file to upload, '{path}', cannot be read: {e.Message}", e);
        }
    }

    internal override async ValueTask<HttpContent?> CreateContentAsync(UrlRequest request, TransferClock clock)
    {
        // A redirect that turned the request into a GET (301/302 POST, 303) sends no body.
        if (request.HttpMethod is "GET" or "HEAD")
            return null;
        Stream? source;
        if (_file is not null)
            source = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        else if (_bytes is { } bytes)
            source = AsStream(bytes);
        else
            source = await NewBodyStreamAsync(request, clock).ConfigureAwait(false);
        var content = new UploadContent(source, CountOfBytesExpectedToSend, this, clock);
        if (request.Headers.TryGetValue("Content-Type", out var type))
            content.Headers.TryAddWithoutValidation("Content-Type", type);
        return content;
    }

    /// <summary>The body bytes as a stream, without copying them when they live in an array (they are sent again on 307/308).</summary>
    private static MemoryStream AsStream(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    /// <summary>A streamed upload asks the delegate for its body each time it is sent (first send, 307/308, authentication retry).</summary>
    private async ValueTask<Stream> NewBodyStreamAsync(UrlRequest request, TransferClock clock)
    {
        if (!Session.Answers(UrlSessionCallbacks.NeedNewBodyStream))
            throw new UrlError(UrlErrorCode.RequestBodyStreamExhausted, request.Url, "A streamed upload needs a delegate that answers NeedNewBodyStream with a new stream for each send.");
        clock.Pause();
        var stream = await Session.NeedNewBodyStreamAsync(this).ConfigureAwait(false);
        clock.Touch();
        return stream ?? throw new UrlError(UrlErrorCode.RequestBodyStreamExhausted, request.Url, "NeedNewBodyStream returned null, so the body cannot be sent.");
    }
}

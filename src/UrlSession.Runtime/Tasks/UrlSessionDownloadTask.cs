using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using UrlLoading.Background;
using UrlLoading.Transfer;

namespace UrlLoading;

/// <summary>
/// A task that saves the response body to a temporary file (Apple's <c>URLSessionDownloadTask</c>). The delegate's
/// <c>DidFinishDownloading</c> (or the completion handler) gets the file's location; the file is deleted when that
/// callback returns, so move or open it there.
/// </summary>
public class UrlSessionDownloadTask : UrlSessionTask
{
    private const int ReadBufferSize = 128 * 1024;
    private const long ProgressStep = 256 * 1024;
    private readonly Action<string?, UrlResponse?, UrlError?>? _completionHandler;
    private readonly TaskCompletionSource<(string Location, UrlResponse Response)>? _awaiter;
    private readonly ResumeData? _resumeFrom;
    private Exchange? _adopted;
    private string? _location;
    private string? _entityTag;
    private string? _lastModified;
    private long _bytesOnDisk;
    private long _expectedLength = -1;
    private volatile bool _produceResumeData;
    private ResumeData? _resumeData;

    internal UrlSessionDownloadTask(UrlSession session, int identifier, UrlRequest request,
        Action<string?, UrlResponse?, UrlError?>? completionHandler,
        TaskCompletionSource<(string Location, UrlResponse Response)>? awaiter)
        : base(session, identifier, request)
    {
        _completionHandler = completionHandler;
        _awaiter = awaiter;
    }

    /// <summary>A task of a background session that the daemon already runs, re-created when the session attaches again.</summary>
    internal UrlSessionDownloadTask(UrlSession session, int identifier, UrlRequest request, string? description)
        : this(session, identifier, request, null, null)
    {
        MarkReattached(description);
    }

    /// <summary>
    /// For the daemon: called after the file has been flushed to the disk, about every <see cref="CheckpointBytes"/>,
    /// with the resume data that continues from there. Not called when the download could not be resumed.
    /// </summary>
    internal Func<ResumeData, ValueTask>? Checkpoint { get; set; }

    internal const long CheckpointBytes = 1024 * 1024;

    internal UrlSessionDownloadTask(UrlSession session, int identifier, ResumeData resumeData,
        Action<string?, UrlResponse?, UrlError?>? completionHandler,
        TaskCompletionSource<(string Location, UrlResponse Response)>? awaiter)
        : this(session, identifier, new UrlRequest(resumeData.Url) { Headers = resumeData.Headers }, completionHandler, awaiter)
    {
        _resumeFrom = resumeData;
    }

    /// <summary>A download task that takes over the body of a data task whose delegate answered <see cref="ResponseDisposition.BecomeDownload"/>.</summary>
    internal UrlSessionDownloadTask(UrlSession session, int identifier, UrlSessionDataTask dataTask, Exchange exchange)
        : this(session, identifier, dataTask.CurrentRequest, null, null)
    {
        _adopted = exchange;
        Response = exchange.Response;
    }

    /// <summary>
    /// Cancels the download and returns what it needs to continue later (Apple's <c>cancel(byProducingResumeData:)</c>),
    /// or null when it cannot continue: not a GET, no validator (strong ETag or Last-Modified) from the server, no bytes
    /// yet, or already finished. The partial file stays in the download folder for <see cref="UrlSession.DownloadTask(ResumeData)"/>.
    /// For a background session's task, urlsessiond keeps the partial file and the resume data continues it in a
    /// background session (the transfer then goes on in the daemon, from where it stopped).
    /// </summary>
    /// <returns>The resume data, or null.</returns>
    public async ValueTask<ResumeData?> CancelByProducingResumeDataAsync()
    {
        _produceResumeData = true;
        Cancel();
        await Completion.ConfigureAwait(false);
        return _resumeData;
    }

    private protected override bool DeliversToDelegate => _completionHandler is null && _awaiter is null;

    private protected override bool ProducesResumeDataOnCancel => _produceResumeData;

    private protected override async Task TransferAsync(TransferClock clock, MetricsRecorder metrics)
    {
        if (Session.Background is { } link)
        {
            clock.Pause();
            var error = await RunInDaemonAsync(link, "download", null, _resumeFrom).ConfigureAwait(false);
            if (error is not null)
            {
                _resumeData = error.ResumeData;
                throw error;
            }
            return;
        }
        try
        {
            await ReceiveFileAsync(clock, metrics).ConfigureAwait(false);
        }
        catch
        {
            KeepForResumeOrDelete();
            throw;
        }
        if (DeliversToDelegate)
        {
            // Apple's order: DidFinishDownloading before metrics and completion; the file goes when it returns.
            try
            {
                if (Session.Answers(UrlSessionCallbacks.DidFinishDownloading))
                    await Session.DidFinishDownloadingAsync(this, _location!).ConfigureAwait(false);
            }
            finally
            {
                DeleteFile();
            }
        }
    }

    private async Task ReceiveFileAsync(TransferClock clock, MetricsRecorder metrics)
    {
        if (_adopted is { } adopted)
        {
            _adopted = null;
            using (adopted)
            {
                try
                {
                    await ReceiveAsync(adopted, clock, 0).ConfigureAwait(false);
                }
                finally
                {
                    adopted.Complete(metrics);
                }
            }
            return;
        }
        long offset = PrepareResume();
        var exchange = await Session.Engine.SendAsync(this, clock, metrics).ConfigureAwait(false);
        if (offset > 0 && !ContinuesAt(exchange.Response, offset))
        {
            // 416, another validator, an encoded or misplaced range: start over from zero with the original request.
            exchange.Complete(metrics);
            exchange.Dispose();
            offset = 0;
            CurrentRequest = OriginalRequest;
            exchange = await Session.Engine.SendAsync(this, clock, metrics).ConfigureAwait(false);
        }
        using (exchange)
        {
            try
            {
                await ReceiveAsync(exchange, clock, offset).ConfigureAwait(false);
            }
            finally
            {
                exchange.Complete(metrics);
            }
        }
    }

    /// <summary>When resuming, asks for the rest of the file if its saved part is still there; returns the offset.</summary>
    private long PrepareResume()
    {
        if (_resumeFrom is not { } resume)
            return 0;
        _location = resume.FilePathIn(DownloadFolder.For(Session.ConfigurationSnapshot));
        _entityTag = resume.EntityTag;
        _lastModified = resume.LastModified;
        long? saved = DownloadFolder.SavedLength(_location, OriginalRequest.Url);
        if (saved is not { } length || length < resume.BytesOnDisk || resume.BytesOnDisk == 0)
            return 0;
        CurrentRequest = OriginalRequest.WithHeader("Range", $"bytes={resume.BytesOnDisk}-").WithHeader("If-Range", resume.Validator);
        _bytesOnDisk = resume.BytesOnDisk;
        _expectedLength = resume.ExpectedLength;
        return resume.BytesOnDisk;
    }

    /// <summary>True when the response is the rest of the same entity, starting exactly at <paramref name="offset"/>.</summary>
    private bool ContinuesAt(HttpUrlResponse response, long offset)
    {
        if (response.StatusCode != 206 || response.ValueForHttpHeaderField("Content-Range") is not { } range)
            return false;
        if (response.ValueForHttpHeaderField("Content-Encoding") is { } encoding && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return false;
        if (_entityTag is not null && response.ValueForHttpHeaderField("ETag") is { } tag && tag != _entityTag)
            return false;
        if (_entityTag is null && response.ValueForHttpHeaderField("Last-Modified") is { } modified && modified != _lastModified)
            return false;
        // "bytes START-END/TOTAL"
        if (!range.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
            return false;
        int dash = range.IndexOf('-'), slash = range.IndexOf('/');
        return dash > 6 && slash > dash
            && long.TryParse(range.AsSpan(6, dash - 6), NumberStyles.None, CultureInfo.InvariantCulture, out long start) && start == offset
            && long.TryParse(range.AsSpan(dash + 1, slash - dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long end) && end >= start
            && (range.AsSpan(slash + 1) is "*" || long.TryParse(range.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long total) && total > end);
    }

    /// <summary>After a failure: keep the partial file when it can be resumed (resume data), else delete it.</summary>
    private void KeepForResumeOrDelete()
    {
        bool cancelled = IsCancelled;
        if ((!cancelled || _produceResumeData) && CurrentResumeData() is { } data)
        {
            _resumeData = data;
            return;
        }
        DeleteFile();
    }

    /// <summary>What continues the download from the bytes on disk now, or null when it cannot be continued.</summary>
    private ResumeData? CurrentResumeData() =>
        OriginalRequest.HttpMethod == "GET" && (_entityTag ?? _lastModified) is not null && _bytesOnDisk > 0 && _location is not null
            ? new ResumeData(OriginalRequest.Url, OriginalRequest.Headers, _entityTag, _lastModified, Path.GetFileName(_location), _bytesOnDisk, _expectedLength)
            : null;

    private async Task ReceiveAsync(Exchange exchange, TransferClock clock, long offset)
    {
        var response = exchange.Response;
        RememberValidator(response, offset);
        long expectedTotal = response.ExpectedContentLength < 0 ? -1 : offset + response.ExpectedContentLength;
        _expectedLength = expectedTotal;
        SetExpectedToReceive(expectedTotal);
        var file = OpenFile(response.Url, offset);
        if (_resumeFrom is not null && DeliversToDelegate && Session.Answers(UrlSessionCallbacks.DidResumeAtOffset))
        {
            clock.Pause();
            await Session.DidResumeAtOffsetAsync(this, offset, expectedTotal).ConfigureAwait(false);
            clock.Touch();
        }
        var token = clock.Token;
        bool reportProgress = DeliversToDelegate && Session.Answers(UrlSessionCallbacks.DidWriteData);
        long total = offset, reported = offset, checkpointed = offset;
        _bytesOnDisk = offset;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        await using (file.ConfigureAwait(false))
        {
            try
            {
                var content = await exchange.Message.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                while (true)
                {
                    await WaitWhileSuspendedAsync(clock).ConfigureAwait(false);
                    int read = await content.ReadAsync(buffer.AsMemory(0, ReadBufferSize), token).ConfigureAwait(false);
                    if (read == 0)
                        break;
                    clock.Touch();
                    await WriteAsync(file, buffer.AsMemory(0, read), response.Url).ConfigureAwait(false);
                    AddBytesReceived(read);
                    total += read;
                    _bytesOnDisk = total;
                    exchange.BodyBytes += read;
                    if (reportProgress && total - reported >= ProgressStep)
                        reported = await ReportProgressAsync(clock, total, reported).ConfigureAwait(false);
                    if (Checkpoint is { } checkpoint && total - checkpointed >= CheckpointBytes)
                    {
                        // Bytes reach the disk before the checkpoint that counts them, so a crash never claims bytes it lost.
                        await FlushAsync(file, response.Url).ConfigureAwait(false);
                        file.Flush(flushToDisk: true);
                        if (CurrentResumeData() is { } data)
                            await checkpoint(data).ConfigureAwait(false);
                        checkpointed = total;
                    }
                }
                await FlushAsync(file, response.Url).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        // The last report always comes, whatever the throttle skipped.
        if (reportProgress && total > reported)
            await ReportProgressAsync(clock, total, reported).ConfigureAwait(false);
    }

    private void RememberValidator(HttpUrlResponse response, long offset)
    {
        if (offset > 0)
            return;
        // Only a strong ETag proves two byte ranges belong to one entity; else Last-Modified, as RFC 9110 allows for If-Range.
        string? tag = response.ValueForHttpHeaderField("ETag");
        _entityTag = tag is not null && !tag.StartsWith("W/", StringComparison.Ordinal) ? tag : null;
        _lastModified = response.ValueForHttpHeaderField("Last-Modified");
        if (response.StatusCode is not (200 or 206))
            (_entityTag, _lastModified) = (null, null);
    }

    private FileStream OpenFile(Uri url, long offset)
    {
        if (_location is null)
        {
            (_location, var created) = DownloadFolder.CreateFile(DownloadFolder.For(Session.ConfigurationSnapshot), Session.ConfigurationSnapshot.PartialDownloadRetention, url);
            return created;
        }
        return DownloadFolder.OpenPartial(_location, offset, url);
    }

    private async ValueTask<long> ReportProgressAsync(TransferClock clock, long total, long reported)
    {
        clock.Pause();
        await Session.DidWriteDataAsync(this, total - reported, total, CountOfBytesExpectedToReceive).ConfigureAwait(false);
        clock.Touch();
        return total;
    }

    private static async ValueTask WriteAsync(FileStream file, ReadOnlyMemory<byte> bytes, Uri url)
    {
        try
        {
            await file.WriteAsync(bytes).ConfigureAwait(false);
        }
        // A full disk is an IOException; a file-size limit (EFBIG) surfaces as an ArgumentException.
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            throw new UrlError(UrlErrorCode.CannotWriteToFile, url, $"The download could not be written to {file.Name}: {e.Message}", e);
        }
    }

    private static async ValueTask FlushAsync(FileStream file, Uri url)
    {
        try
        {
            await file.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            throw new UrlError(UrlErrorCode.CannotWriteToFile, url, $"The download could not be written to {file.Name}: {e.Message}", e);
        }
    }

    private protected override async ValueTask DeliverCompletionAsync(UrlError? error)
    {
        if (error is not null)
            error.ResumeData = _resumeData;
        if (_awaiter is not null)
        {
            ContinueCallerAfterCompletion(error is null
                ? static t => ((UrlSessionDownloadTask)t)._awaiter!.TrySetResult((((UrlSessionDownloadTask)t)._location!, t.Response!))
                : static t => ((UrlSessionDownloadTask)t)._awaiter!.TrySetException(t.Error!));
            return;
        }
        if (_completionHandler is not null)
        {
            try
            {
                await Session.InvokeCompletionHandlerAsync(_completionHandler, error is null ? _location : null, Response, error).ConfigureAwait(false);
            }
            finally
            {
                DeleteFile();
            }
            return;
        }
        await Session.DidCompleteWithErrorAsync(this, error).ConfigureAwait(false);
    }

    private void DeleteFile()
    {
        if (_location is not null)
            DownloadFolder.Delete(_location);
    }
}

using System;
using System.Buffers;
using System.IO;
using System.Threading.Tasks;
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
    private string? _location;

    internal UrlSessionDownloadTask(UrlSession session, int identifier, UrlRequest request,
        Action<string?, UrlResponse?, UrlError?>? completionHandler,
        TaskCompletionSource<(string Location, UrlResponse Response)>? awaiter)
        : base(session, identifier, request)
    {
        _completionHandler = completionHandler;
        _awaiter = awaiter;
    }

    private protected override bool DeliversToDelegate => _completionHandler is null && _awaiter is null;

    private protected override async Task TransferAsync(TransferClock clock, MetricsRecorder metrics)
    {
        using var exchange = await Session.Engine.SendAsync(this, clock, metrics).ConfigureAwait(false);
        try
        {
            await ReceiveAsync(exchange, clock).ConfigureAwait(false);
        }
        catch
        {
            DeleteFile();
            throw;
        }
        finally
        {
            exchange.Complete(metrics);
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

    private async Task ReceiveAsync(Exchange exchange, TransferClock clock)
    {
        var response = exchange.Response;
        SetExpectedToReceive(response.ExpectedContentLength);
        var (location, file) = DownloadFolder.CreateFile(response.Url);
        _location = location;
        var token = clock.Token;
        bool reportProgress = DeliversToDelegate && Session.Answers(UrlSessionCallbacks.DidWriteData);
        long total = 0, reported = 0;
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
                    exchange.BodyBytes = total;
                    if (reportProgress && total - reported >= ProgressStep)
                        reported = await ReportProgressAsync(clock, total, reported).ConfigureAwait(false);
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
        catch (IOException e)
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
        catch (IOException e)
        {
            throw new UrlError(UrlErrorCode.CannotWriteToFile, url, $"The download could not be written to {file.Name}: {e.Message}", e);
        }
    }

    private protected override async ValueTask DeliverCompletionAsync(UrlError? error)
    {
        if (_awaiter is not null)
        {
            if (error is null)
                _awaiter.TrySetResult((_location!, Response!));
            else
                _awaiter.TrySetException(error);
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

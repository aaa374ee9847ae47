using System;
using System.Threading.Tasks;
using UrlLoading.Transfer;

namespace UrlLoading;

// The task factories: every task a session creates is registered here.
public sealed partial class UrlSession
{
    /// <summary>Creates a suspended data task that reports to the delegate. Call <see cref="UrlSessionTask.Resume"/>.</summary>
    /// <param name="url">The URL to load.</param>
    /// <returns>The task.</returns>
    public UrlSessionDataTask DataTask(Uri url) => DataTask(new UrlRequest(url));

    /// <summary>Creates a suspended data task that reports to the delegate. Call <see cref="UrlSessionTask.Resume"/>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The task.</returns>
    public UrlSessionDataTask DataTask(UrlRequest request) => CreateDataTask(request, null, null);

    /// <summary>
    /// Creates a suspended data task whose result goes to <paramref name="completionHandler"/> on the delegate queue:
    /// the body, the response, and null on success; or null data and the error on failure. The delegate then gets
    /// redirect, challenge and metrics callbacks, but no response, data or completion callbacks.
    /// </summary>
    /// <param name="url">The URL to load.</param>
    /// <param name="completionHandler">Called once when the task ends.</param>
    /// <returns>The task.</returns>
    public UrlSessionDataTask DataTask(Uri url, Action<byte[]?, UrlResponse?, UrlError?> completionHandler) =>
        DataTask(new UrlRequest(url), completionHandler);

    /// <summary>Creates a suspended data task whose result goes to a completion handler on the delegate queue.</summary>
    /// <param name="request">The request.</param>
    /// <param name="completionHandler">Called once when the task ends.</param>
    /// <returns>The task.</returns>
    public UrlSessionDataTask DataTask(UrlRequest request, Action<byte[]?, UrlResponse?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        RejectOnBackground("completion handlers");
        return CreateDataTask(request, completionHandler, null);
    }

    /// <summary>Creates a suspended download task that reports to the delegate: progress in <c>DidWriteData</c>, the file in <c>DidFinishDownloading</c>.</summary>
    /// <param name="url">The URL to download.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(Uri url) => DownloadTask(new UrlRequest(url));

    /// <summary>Creates a suspended download task that reports to the delegate: progress in <c>DidWriteData</c>, the file in <c>DidFinishDownloading</c>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(UrlRequest request) => CreateDownloadTask(request, null, null);

    /// <summary>
    /// Creates a suspended download task whose result goes to <paramref name="completionHandler"/> on the delegate queue:
    /// the temporary file's path, the response, and null on success. The file is deleted when the handler returns:
    /// move or open it there.
    /// </summary>
    /// <param name="url">The URL to download.</param>
    /// <param name="completionHandler">Called once when the task ends.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(Uri url, Action<string?, UrlResponse?, UrlError?> completionHandler) =>
        DownloadTask(new UrlRequest(url), completionHandler);

    /// <summary>Creates a suspended download task whose result goes to a completion handler on the delegate queue.</summary>
    /// <param name="request">The request.</param>
    /// <param name="completionHandler">Called once when the task ends; the file is deleted when it returns.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(UrlRequest request, Action<string?, UrlResponse?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        RejectOnBackground("completion handlers");
        return CreateDownloadTask(request, completionHandler, null);
    }

    /// <summary>
    /// Creates a suspended download task that continues a cancelled or failed download from its resume data: it asks
    /// for the rest with <c>Range</c> and <c>If-Range</c>, reports <c>DidResumeAtOffset</c>, and starts over from zero
    /// when the server cannot continue the same file.
    /// </summary>
    /// <param name="resumeData">From <see cref="UrlSessionDownloadTask.CancelByProducingResumeDataAsync"/> or <see cref="UrlError.ResumeData"/>.</param>
    /// <returns>The task.</returns>
    public UrlSessionDownloadTask DownloadTask(ResumeData resumeData)
    {
        ArgumentNullException.ThrowIfNull(resumeData);
        return Register(resumeData, static (session, identifier, data) => new UrlSessionDownloadTask(session, identifier, data, null, null));
    }

    /// <summary>Creates a suspended upload task that sends a file as the body (Apple's <c>uploadTask(with:fromFile:)</c>).</summary>
    /// <param name="request">The request (its method is usually POST or PUT; its own body is ignored).</param>
    /// <param name="fromFile">The path of the file to send.</param>
    /// <returns>The task.</returns>
    /// <exception cref="UrlError">The file is missing (<see cref="UrlErrorCode.FileDoesNotExist"/>), a folder, or unreadable.</exception>
    public UrlSessionUploadTask UploadTask(UrlRequest request, string fromFile) => CreateUploadTask(request, fromFile, null, null, null);

    /// <summary>Creates a suspended upload task that sends a file and passes the response body to a completion handler.</summary>
    /// <param name="request">The request.</param>
    /// <param name="fromFile">The path of the file to send.</param>
    /// <param name="completionHandler">Called once when the task ends, on the delegate queue.</param>
    /// <returns>The task.</returns>
    public UrlSessionUploadTask UploadTask(UrlRequest request, string fromFile, Action<byte[]?, UrlResponse?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        RejectOnBackground("completion handlers");
        return CreateUploadTask(request, fromFile, null, completionHandler, null);
    }

    /// <summary>Creates a suspended upload task that sends bytes as the body (Apple's <c>uploadTask(with:from:)</c>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="bodyData">The body.</param>
    /// <returns>The task.</returns>
    public UrlSessionUploadTask UploadTask(UrlRequest request, ReadOnlyMemory<byte> bodyData) => CreateUploadTask(request, null, bodyData, null, null);

    /// <summary>Creates a suspended upload task that sends bytes and passes the response body to a completion handler.</summary>
    /// <param name="request">The request.</param>
    /// <param name="bodyData">The body.</param>
    /// <param name="completionHandler">Called once when the task ends, on the delegate queue.</param>
    /// <returns>The task.</returns>
    public UrlSessionUploadTask UploadTask(UrlRequest request, ReadOnlyMemory<byte> bodyData, Action<byte[]?, UrlResponse?, UrlError?> completionHandler)
    {
        ArgumentNullException.ThrowIfNull(completionHandler);
        RejectOnBackground("completion handlers");
        return CreateUploadTask(request, null, bodyData, completionHandler, null);
    }

    /// <summary>
    /// Creates a suspended upload task whose body the delegate provides through <c>NeedNewBodyStream</c>, asked each
    /// time the body is sent: first, and again after a 307/308 redirect or an authentication retry.
    /// </summary>
    /// <param name="streamedRequest">The request.</param>
    /// <returns>The task.</returns>
    public UrlSessionUploadTask UploadTask(UrlRequest streamedRequest)
    {
        if (!Answers(UrlSessionCallbacks.NeedNewBodyStream))
            throw new InvalidOperationException("A streamed upload needs the session delegate to answer NeedNewBodyStream (see US2301); give the delegate a NeedNewBodyStream method, or upload from a file or bytes.");
        return CreateUploadTask(streamedRequest, null, null, null, null);
    }

    private UrlSessionDataTask CreateDataTask(UrlRequest request, Action<byte[]?, UrlResponse?, UrlError?>? handler,
        TaskCompletionSource<(byte[] Data, UrlResponse Response)>? awaiter)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConfigurationSnapshot.IsBackground)
            throw new InvalidOperationException("Background sessions run only download and file-upload tasks; use a default or ephemeral session for data tasks (see US1003).");
        return Register((request, handler, awaiter), static (session, identifier, s) => new UrlSessionDataTask(session, identifier, s.request, s.handler, s.awaiter));
    }

    private UrlSessionUploadTask CreateUploadTask(UrlRequest request, string? file, ReadOnlyMemory<byte>? bytes,
        Action<byte[]?, UrlResponse?, UrlError?>? handler, TaskCompletionSource<(byte[] Data, UrlResponse Response)>? awaiter)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConfigurationSnapshot.IsBackground && file is null)
            throw new InvalidOperationException("Background sessions upload from a file only: the app may be gone while the body is sent. Write the bytes to a file and use UploadTask(request, fromFile) (see US1003).");
        if (file is not null)
            UrlSessionUploadTask.ValidateFile(file, request.Url);
        return Register((request, file, bytes, handler, awaiter),
            static (session, identifier, s) => new UrlSessionUploadTask(session, identifier, s.request, s.file, s.bytes, s.handler, s.awaiter));
    }

    private UrlSessionDownloadTask CreateDownloadTask(UrlRequest request, Action<string?, UrlResponse?, UrlError?>? handler,
        TaskCompletionSource<(string Location, UrlResponse Response)>? awaiter)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConfigurationSnapshot.IsBackground && request.Url.Scheme != Uri.UriSchemeHttp && request.Url.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"Background sessions load only http and https URLs, not '{request.Url.Scheme}'.", nameof(request));
        return Register((request, handler, awaiter), static (session, identifier, s) => new UrlSessionDownloadTask(session, identifier, s.request, s.handler, s.awaiter));
    }

    /// <summary>The download task that takes over a data task's body (<see cref="ResponseDisposition.BecomeDownload"/>); allowed while invalidating, since it continues an existing task.</summary>
    internal UrlSessionDownloadTask AdoptForDownload(UrlSessionDataTask dataTask, Exchange exchange)
    {
        lock (_gate)
            return AddLocked((dataTask, exchange), static (session, identifier, s) => new UrlSessionDownloadTask(session, identifier, s.dataTask, s.exchange));
    }

    // The factories take their state explicitly (static lambdas): no closure is allocated per task.
    private TTask Register<TTask, TState>(TState state, Func<UrlSession, int, TState, TTask> create)
        where TTask : UrlSessionTask
    {
        TTask task;
        lock (_gate)
        {
            if (_invalidating)
                throw new InvalidOperationException("This session was invalidated (FinishTasksAndInvalidate, InvalidateAndCancel or DisposeAsync) and cannot create tasks; create a new UrlSession.");
            task = AddLocked(state, create);
        }
        if (Answers(UrlSessionCallbacks.DidCreateTask))
            task.NotifyCreated(Task.Run(() => DelegateQueue.InvokeAsync(static s => s.Delegate.DidCreateTask(s.Session, s.Task), (Delegate: _delegate!, Session: this, Task: (UrlSessionTask)task)).AsTask()));
        return task;
    }

    private TTask AddLocked<TTask, TState>(TState state, Func<UrlSession, int, TState, TTask> create)
        where TTask : UrlSessionTask
    {
        var task = create(this, ++_lastTaskIdentifier, state);
        _tasks.Add(task);
        return task;
    }
}

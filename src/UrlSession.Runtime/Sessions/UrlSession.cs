using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using UrlLoading.Background;
using UrlLoading.Transfer;

namespace UrlLoading;

/// <summary>
/// A group of tasks that share a configuration, a connection pool, stores and a delegate (Apple's <c>URLSession</c>).
/// Create one per kind of work and reuse it; dispose it (or call <see cref="FinishTasksAndInvalidate"/>) when done.
/// </summary>
public sealed partial class UrlSession : IAsyncDisposable
{
    private static readonly Lazy<UrlSession> s_shared = new(() => new UrlSession(UrlSessionConfiguration.Default, null, null, isShared: true));
    private static readonly HashSet<string> s_liveBackgroundIdentifiers = new(StringComparer.Ordinal);
    private static readonly TimeSpan s_backgroundInvalidationTimeout = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private readonly HashSet<UrlSessionTask> _tasks = [];
    private readonly TaskCompletionSource _invalidated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _isShared;
    private readonly UrlSessionCallbacks _callbacks;
    private IUrlSessionDelegate? _delegate;
    private int _lastTaskIdentifier;
    private bool _invalidating;
    private bool _invalidationDelivered;

    /// <summary>Creates a session without a delegate.</summary>
    /// <param name="configuration">The configuration; the session keeps a copy.</param>
    public UrlSession(UrlSessionConfiguration configuration)
        : this(configuration, null, null)
    {
    }

    /// <summary>Creates a session (Apple's <c>init(configuration:delegate:delegateQueue:)</c>).</summary>
    /// <param name="configuration">The configuration; the session keeps a copy, so later changes to it have no effect.</param>
    /// <param name="delegate">The delegate, usually a <c>[UrlSessionDelegate] partial class</c>. Held until the session is invalidated.</param>
    /// <param name="delegateQueue">Where callbacks run; null for a new serial queue.</param>
    public UrlSession(UrlSessionConfiguration configuration, IUrlSessionDelegate? @delegate, DelegateQueue? delegateQueue = null)
        : this(configuration, @delegate, delegateQueue, isShared: false)
    {
    }

    private UrlSession(UrlSessionConfiguration configuration, IUrlSessionDelegate? @delegate, DelegateQueue? delegateQueue, bool isShared)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ConfigurationSnapshot = configuration.Clone();
        if (ConfigurationSnapshot.Identifier is { } identifier)
        {
            if (ConfigurationSnapshot.ProtocolClasses.Count > 0)
                throw new ArgumentException("Background sessions cannot use custom ProtocolClasses: the transfer runs in urlsessiond, which cannot load your code. Clear ProtocolClasses or use a default session.", nameof(configuration));
            if (@delegate is null)
                throw new ArgumentException("A background session needs a delegate: its events arrive only through delegate callbacks. Pass a [UrlSessionDelegate] class.", nameof(@delegate));
            lock (s_liveBackgroundIdentifiers)
            {
                if (!s_liveBackgroundIdentifiers.Add(identifier))
                    throw new InvalidOperationException($"A background session with identifier '{identifier}' already exists in this process. Create exactly one session per background identifier and reuse it (see US1001).");
            }
        }
        _delegate = @delegate;
        _callbacks = @delegate?.Callbacks ?? UrlSessionCallbacks.None;
        _isShared = isShared;
        DelegateQueue = delegateQueue ?? DelegateQueue.CreateSerial();
        Engine = new TransferEngine(ConfigurationSnapshot, this);
        if (ConfigurationSnapshot.Identifier is { } backgroundIdentifier)
            Background = AttachToDaemon(backgroundIdentifier);
    }

    /// <summary>
    /// Attaches a background session to urlsessiond: the tasks the daemon still holds for this identifier come back
    /// with their identifiers and descriptions, and the events this app missed are replayed to the delegate.
    /// </summary>
    private BackgroundLink AttachToDaemon(string identifier)
    {
        BackgroundLink link;
        List<TaskInfo> held;
        try
        {
            (link, held) = BackgroundLink.Attach(this, identifier);
        }
        catch
        {
            Engine.Dispose();
            lock (s_liveBackgroundIdentifiers)
                s_liveBackgroundIdentifiers.Remove(identifier);
            throw;
        }
        Background = link;
        var tasks = new List<UrlSessionTask>();
        lock (_gate)
        {
            foreach (var info in held)
            {
                _lastTaskIdentifier = Math.Max(_lastTaskIdentifier, info.TaskIdentifier);
                var request = new UrlRequest(new Uri(info.Request.Url)) { HttpMethod = info.Request.Method, Headers = info.Request.Headers };
                UrlSessionTask task = info.Kind == "upload"
                    ? new UrlSessionUploadTask(this, info.TaskIdentifier, request, info.UploadFile ?? "", info.Description)
                    : new UrlSessionDownloadTask(this, info.TaskIdentifier, request, info.Description);
                task.SetProgress(info.BytesReceived, info.BytesExpected);
                if (info.Kind == "upload")
                    task.SetSendProgress(info.BytesSent, -1);
                _tasks.Add(task);
                tasks.Add(task);
            }
        }
        foreach (var task in tasks)
            task.Resume();
        _ = link.RequestReplayAsync();
        return link;
    }

    /// <summary>The shared session: default configuration, no delegate. Invalidating it has no effect.</summary>
    public static UrlSession Shared => s_shared.Value;

    /// <summary>A copy of the configuration the session runs with.</summary>
    public UrlSessionConfiguration Configuration => ConfigurationSnapshot.Clone();

    /// <summary>The delegate, or null once the session has been invalidated.</summary>
    public IUrlSessionDelegate? Delegate => Volatile.Read(ref _delegate);

    /// <summary>Where the delegate's callbacks and completion handlers run.</summary>
    public DelegateQueue DelegateQueue { get; }

    /// <summary>An app-defined label for the session.</summary>
    public string? SessionDescription { get; set; }

    internal UrlSessionConfiguration ConfigurationSnapshot { get; }

    internal TransferEngine Engine { get; }

    /// <summary>The line to urlsessiond, for a background session.</summary>
    internal BackgroundLink? Background { get; private set; }

    /// <summary>The tasks that are running or suspended after having been resumed (never-resumed tasks are left out, as Apple does).</summary>
    /// <returns>A snapshot of the tasks.</returns>
    public ValueTask<IReadOnlyList<UrlSessionTask>> GetAllTasksAsync()
    {
        var tasks = new List<UrlSessionTask>();
        lock (_gate)
        {
            foreach (var task in _tasks)
            {
                if (task.WasEverResumed && task.State is UrlSessionTaskState.Running or UrlSessionTaskState.Suspended)
                    tasks.Add(task);
            }
        }
        tasks.Sort(static (a, b) => a.TaskIdentifier.CompareTo(b.TaskIdentifier));
        return new(tasks);
    }

    /// <summary>
    /// Lets the resumed tasks finish, refuses new ones, then sends <c>DidBecomeInvalid</c> and releases the delegate.
    /// Tasks that were never resumed are cancelled, since they could never finish. Returns at once. Has no effect on
    /// <see cref="Shared"/>. A background session waits for its tasks' events at most 5 seconds, then detaches:
    /// urlsessiond goes on with the transfers and delivers the rest to the next process that creates the session.
    /// </summary>
    public void FinishTasksAndInvalidate()
    {
        if (_isShared)
            return;
        bool deliverNow;
        var neverResumed = new List<UrlSessionTask>();
        lock (_gate)
        {
            if (_invalidating)
                return;
            _invalidating = true;
            deliverNow = _tasks.Count == 0;
            foreach (var task in _tasks)
            {
                if (!task.WasEverResumed)
                    neverResumed.Add(task);
            }
        }
        // A task that was never resumed can never finish; waiting for it would keep the session alive forever.
        foreach (var task in neverResumed)
            task.Cancel();
        if (deliverNow)
            _ = DeliverInvalidationAsync();
        else if (Background is not null)
            _ = DetachWhenOverdueAsync();
    }

    /// <summary>
    /// A background session's tasks run in urlsessiond, which may be gone, stopped or slow: its invalidation waits for
    /// their events at most <see cref="s_backgroundInvalidationTimeout"/>, then detaches. The daemon keeps every
    /// transfer and undelivered event, and the next process that attaches the identifier receives them, once.
    /// </summary>
    private async Task DetachWhenOverdueAsync()
    {
        if (await Task.WhenAny(_invalidated.Task, Task.Delay(s_backgroundInvalidationTimeout)).ConfigureAwait(false) != _invalidated.Task)
            await DeliverInvalidationAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Cancels every task, refuses new ones, and sends <c>DidBecomeInvalid</c> once the cancelled tasks have reported
    /// their completion. Returns at once. Has no effect on <see cref="Shared"/>. A background session waits for the
    /// cancellations at most 5 seconds, then detaches; those that come later reach the next process that creates it.
    /// </summary>
    public void InvalidateAndCancel()
    {
        if (_isShared)
            return;
        UrlSessionTask[] tasks;
        lock (_gate)
        {
            if (_invalidating && _tasks.Count == 0)
                return;
            _invalidating = true;
            tasks = [.. _tasks];
        }
        foreach (var task in tasks)
            task.Cancel();
        if (tasks.Length == 0)
            _ = DeliverInvalidationAsync();
        else if (Background is not null)
            _ = DetachWhenOverdueAsync();
    }

    /// <summary>Empties the session's cookies and credentials and drops idle connections (Apple's <c>reset</c>).</summary>
    /// <returns>A task that completes when the stores are empty.</returns>
    public ValueTask ResetAsync()
    {
        ConfigurationSnapshot.HttpCookieStorage?.Clear();
        ConfigurationSnapshot.UrlCredentialStorage?.Clear();
        return default;
    }

    /// <summary>
    /// Writes the session's stores to disk where they have a disk part (Apple's <c>flush</c>). For a background session
    /// it also waits until every task resumed so far is recorded by urlsessiond, after which the app may exit and the
    /// transfers go on.
    /// </summary>
    /// <returns>A task that completes when everything is written.</returns>
    public ValueTask FlushAsync() => Background is { } link ? new(link.WhenRegisteredAsync()) : default;

    /// <summary>
    /// Finishes the tasks, invalidates the session and waits for <c>DidBecomeInvalid</c> to be delivered. For a
    /// background session that takes at most a few seconds, whatever urlsessiond is doing (see <see cref="FinishTasksAndInvalidate"/>).
    /// </summary>
    /// <returns>A task that completes after invalidation.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_isShared)
            return;
        FinishTasksAndInvalidate();
        await _invalidated.Task.ConfigureAwait(false);
    }

    internal bool Answers(UrlSessionCallbacks callback) => (_callbacks & callback) != 0 && Volatile.Read(ref _delegate) is not null;

    internal void TaskDidComplete(UrlSessionTask task)
    {
        bool deliver;
        lock (_gate)
        {
            _tasks.Remove(task);
            deliver = _invalidating && _tasks.Count == 0;
        }
        if (deliver)
            _ = DeliverInvalidationAsync();
    }

    private void RejectOnBackground(string what)
    {
        if (ConfigurationSnapshot.IsBackground)
            throw new InvalidOperationException($"Background sessions do not support {what}: the app may not be running when the transfer ends. Use the session delegate (see US1002).");
    }

    private async Task DeliverInvalidationAsync()
    {
        lock (_gate)
        {
            if (_invalidationDelivered)
                return;
            _invalidationDelivered = true;
        }
        try
        {
            if (Answers(UrlSessionCallbacks.DidBecomeInvalid))
                await DelegateQueue.InvokeAsync(static s => s.Delegate.DidBecomeInvalid(s.Session, null), (Delegate: _delegate!, Session: this)).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _delegate, null);
            Engine.Dispose();
            if (Background is { } link)
                await link.DisposeAsync().ConfigureAwait(false);
            if (ConfigurationSnapshot.Identifier is { } identifier)
            {
                lock (s_liveBackgroundIdentifiers)
                    s_liveBackgroundIdentifiers.Remove(identifier);
            }
            _invalidated.TrySetResult();
        }
    }
}

namespace UrlLoading;

/// <summary>The life-cycle state of a task (Apple's <c>URLSessionTask.State</c>).</summary>
public enum UrlSessionTaskState
{
    /// <summary>The task is running.</summary>
    Running = 0,
    /// <summary>The task is suspended: created and not yet resumed, or suspended. It moves no bytes and no timeout runs.</summary>
    Suspended = 1,
    /// <summary>The task was cancelled and its completion is on the way.</summary>
    Canceling = 2,
    /// <summary>The task completed; its completion was delivered or is being delivered.</summary>
    Completed = 3,
}

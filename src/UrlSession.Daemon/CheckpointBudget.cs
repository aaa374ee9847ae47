using System.Diagnostics;

namespace UrlLoading.Daemon;

/// <summary>
/// When a background download flushes its file and records a checkpoint. The download task offers one after each
/// MiB (flushing first, so a checkpoint never counts bytes that are not on disk); the daemon takes the offer only
/// when the budget is spent: one eighth of the bytes on disk since the last checkpoint (at least 1 MiB, at most
/// 64 MiB), or a second. A small file checkpoints every MiB as before; a 512 MiB one about 40 times instead of 512,
/// and <c>kill -9</c> loses at most one checkpoint's bytes either way: the most a budget allows.
/// </summary>
internal sealed class CheckpointBudget
{
    private const long MinimumBytes = 1024 * 1024;
    private const long MaximumBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan s_maximumInterval = TimeSpan.FromSeconds(1);

    private readonly UrlSessionDownloadTask _download;
    private readonly Func<ResumeData, ValueTask> _record;
    private long _checkpointed;
    private long _at = Stopwatch.GetTimestamp();

    /// <param name="download">The download whose checkpoints this budget spends.</param>
    /// <param name="checkpointed">The bytes on disk at the start (the resume data's), the first checkpoint's base.</param>
    /// <param name="record">Records a checkpoint durably; the download waits for it.</param>
    public CheckpointBudget(UrlSessionDownloadTask download, long checkpointed, Func<ResumeData, Task> record)
    {
        _download = download;
        _checkpointed = checkpointed;
        _record = RecordAsync;
        // The first checkpoint is due after the first MiB, whatever the time.
        _download.Checkpoint = _record;

        async ValueTask RecordAsync(ResumeData data)
        {
            _download.Checkpoint = null;
            Volatile.Write(ref _checkpointed, data.BytesOnDisk);
            Volatile.Write(ref _at, Stopwatch.GetTimestamp());
            await record(data).ConfigureAwait(false);
        }
    }

    /// <summary>The download's progress: takes the next checkpoint offer once the budget is spent.</summary>
    public void OnProgress(long bytesOnDisk)
    {
        if (_download.Checkpoint is not null)
            return;
        long since = Volatile.Read(ref _checkpointed);
        long step = Math.Clamp(since / 8, MinimumBytes, MaximumBytes);
        if (bytesOnDisk - since >= step || Stopwatch.GetElapsedTime(Volatile.Read(ref _at)) >= s_maximumInterval)
            _download.Checkpoint = _record;
    }
}

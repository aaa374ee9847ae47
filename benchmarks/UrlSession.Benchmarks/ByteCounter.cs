namespace UrlLoading.Benchmarks;

/// <summary>The benchmark's delegate: counts bytes, copies nothing.</summary>
[UrlSessionDelegate]
internal sealed partial class ByteCounter
{
    private TaskCompletionSource<long>? _done;
    private long _bytes;

    public Task<long> Expect(UrlSessionTask task)
    {
        _bytes = 0;
        _done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        return _done.Task;
    }

    private void DidReceiveData(ReadOnlyMemory<byte> data) => _bytes += data.Length;

    private void DidFinishDownloading(string location) => _bytes = new FileInfo(location).Length;

    private void DidCompleteWithError(UrlError? error)
    {
        if (error is null)
            _done!.SetResult(_bytes);
        else
            _done!.SetException(error);
    }
}

using UrlLoading.Security;

namespace UrlLoading.Daemon;

/// <summary>
/// The daemon's log: a file in the state folder (mode 0600), the console when run in the foreground, and the recent
/// lines for <c>urlsessiond logs</c>. Every line passes through <see cref="CredentialRedaction"/> first, so no
/// password, token or cookie reaches any of the three.
/// </summary>
internal sealed class DaemonLog : IDisposable
{
    private const int Kept = 500;
    private readonly StreamWriter _file;
    private readonly bool _console;
    private readonly Queue<string> _recent = new();
    private readonly Lock _gate = new();

    public DaemonLog(string path, bool console)
    {
        PrivateFile.EnsureOwn(path);
        var file = PrivateFile.OpenExisting(path, FileAccess.Write, FileShare.ReadWrite);
        file.Seek(0, SeekOrigin.End);
        _file = new StreamWriter(file) { AutoFlush = true };
        _console = console;
    }

    public void Write(string message)
    {
        string line = $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {CredentialRedaction.Redact(message)}";
        lock (_gate)
        {
            _recent.Enqueue(line);
            if (_recent.Count > Kept)
                _recent.Dequeue();
            _file.WriteLine(line);
            if (_console)
                Console.WriteLine(line);
        }
    }

    public List<string> Recent(int count)
    {
        lock (_gate)
            return [.. _recent.Skip(Math.Max(0, _recent.Count - count))];
    }

    public void Dispose() => _file.Dispose();
}

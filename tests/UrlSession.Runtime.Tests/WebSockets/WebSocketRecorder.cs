using System.Text;

namespace UrlLoading.Tests.WebSockets;

/// <summary>A generated delegate that records a WebSocket task's callbacks in order and answers Basic challenges.</summary>
[UrlSessionDelegate]
public sealed partial class WebSocketRecorder
{
    private readonly TaskCompletionSource<UrlError?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string?> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _events = [];

    public UrlCredential? Credential { get; init; }

    public Task<UrlError?> Completion => _completion.Task;

    public Task<string?> Opened => _opened.Task;

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_events)
                return [.. _events];
        }
    }

    private void Add(string text)
    {
        lock (_events)
            _events.Add(text);
    }

    private void DidOpenWithProtocol(UrlSessionWebSocketTask task, string? protocol)
    {
        Add($"open {protocol ?? "(none)"}");
        _opened.TrySetResult(protocol);
    }

    private void DidCloseWith(UrlSessionWebSocketCloseCode closeCode, ReadOnlyMemory<byte> reason) =>
        Add($"close {(int)closeCode} {Encoding.UTF8.GetString(reason.Span)}");

    private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
    {
        Add($"challenge {challenge.ProtectionSpace.AuthenticationMethod} {challenge.ProtectionSpace.Realm}");
        return Credential is null ? (AuthChallengeDisposition.PerformDefaultHandling, null) : (AuthChallengeDisposition.UseCredential, Credential);
    }

    private void DidCompleteWithError(UrlSessionTask task, UrlError? error)
    {
        Add($"complete {error?.Code.ToString() ?? "ok"}");
        _opened.TrySetResult(null);
        _completion.TrySetResult(error);
    }
}

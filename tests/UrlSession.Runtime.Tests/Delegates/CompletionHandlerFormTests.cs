using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Delegates;

/// <summary>Apple's completion-handler form of the question callbacks, answered later and on another thread.</summary>
[UrlSessionDelegate]
public sealed partial class HandlerFormDelegate
{
    public TaskCompletionSource<UrlError?> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<string> Calls { get; } = [];

    public TaskCompletionSource<Exception> SecondCallFailure { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void WillPerformHttpRedirection(HttpUrlResponse response, UrlRequest newRequest, Action<UrlRequest?> completionHandler)
    {
        Calls.Add($"redirect {response.StatusCode}");
        _ = Task.Run(async () =>
        {
            await Task.Yield();
            completionHandler(newRequest);
            try
            {
                completionHandler(newRequest);
            }
            catch (InvalidOperationException e)
            {
                SecondCallFailure.SetResult(e);
            }
        });
    }

    private void DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge, Action<AuthChallengeDisposition, UrlCredential?> completionHandler)
    {
        Calls.Add($"challenge {challenge.ProtectionSpace.Realm}");
        _ = Task.Run(() => completionHandler(AuthChallengeDisposition.UseCredential, new UrlCredential("ada", "lovelace")));
    }

    private void DidReceiveResponse(UrlSessionDataTask task, UrlResponse response, Action<ResponseDisposition> completionHandler)
    {
        Calls.Add($"response {((HttpUrlResponse)response).StatusCode}");
        completionHandler(ResponseDisposition.Allow);
    }

    private async Task DidReceiveData(ReadOnlyMemory<byte> data)
    {
        string text = Encoding.UTF8.GetString(data.Span);
        await Task.Yield();
        Calls.Add($"data {text}");
    }

    private void DidCompleteWithError(UrlError? error) => Completed.TrySetResult(error);
}

public sealed class CompletionHandlerFormTests(TestServer server)
{
    [Fact]
    public async Task Completion_handler_answers_given_later_drive_the_transfer_and_a_second_call_throws()
    {
        var handlers = new HandlerFormDelegate();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, handlers);
        session.DataTask(server.Url("/redirect/302?to=/basic")).Resume();
        Assert.Null(await handlers.Completed.Task.WaitAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["redirect 302", "challenge tests", "response 200", "data welcome ada"], handlers.Calls);
        Assert.Contains("more than once", (await handlers.SecondCallFailure.Task.WaitAsync(TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
    }
}

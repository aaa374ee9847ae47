using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Auth;

public sealed class BasicAuthenticationTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly UrlCredential s_ada = new("ada", "lovelace");

    private async Task<(UrlSessionDataTask Task, UrlError? Error, RecordingDelegate Recorder)> RunAsync(
        Func<UrlAuthenticationChallenge, (AuthChallengeDisposition, UrlCredential?)> answer, UrlSessionConfiguration? configuration = null, string path = "/basic")
    {
        var recorder = new RecordingDelegate { OnChallenge = answer };
        await using var session = new UrlSession(configuration ?? UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url(path));
        task.Resume();
        var error = await recorder.CompletionOf(task).WaitAsync(Ct);
        return (task, error, recorder);
    }

    [Fact]
    public async Task UseCredential_answers_the_challenge_and_the_task_gets_the_200()
    {
        var (task, error, recorder) = await RunAsync(_ => (AuthChallengeDisposition.UseCredential, s_ada));
        Assert.Null(error);
        Assert.Equal(["challenge tests 0", "response 200", "data", "metrics 2", "complete ok"], recorder.EventsOf(task));
        Assert.Equal("welcome ada", Encoding.UTF8.GetString(recorder.Body.ToArray()));
        var challenge = Assert.Single(recorder.Challenges);
        Assert.Equal(UrlProtectionSpace.AuthenticationMethodHttpBasic, challenge.ProtectionSpace.AuthenticationMethod);
        Assert.Equal("127.0.0.1", challenge.ProtectionSpace.Host);
        Assert.Equal(server.BaseAddress.Port, challenge.ProtectionSpace.Port);
        Assert.Equal(401, ((HttpUrlResponse)challenge.FailureResponse!).StatusCode);
        Assert.Null(challenge.ProposedCredential);
    }

    [Fact]
    public async Task A_credential_that_worked_is_stored_for_its_protection_space()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        var (_, error, recorder) = await RunAsync(_ => (AuthChallengeDisposition.UseCredential, s_ada), configuration);
        Assert.Null(error);
        Assert.Equal(s_ada, configuration.UrlCredentialStorage!.DefaultCredential(recorder.Challenges[0].ProtectionSpace));
    }

    [Fact]
    public async Task Default_handling_without_a_stored_credential_completes_with_the_401()
    {
        var (task, error, recorder) = await RunAsync(_ => (AuthChallengeDisposition.PerformDefaultHandling, null));
        Assert.Null(error);
        Assert.Equal(401, ((HttpUrlResponse)task.Response!).StatusCode);
        Assert.Equal("who are you?", Encoding.UTF8.GetString(recorder.Body.ToArray()));
    }

    [Fact]
    public async Task Default_handling_uses_the_stored_default_credential_and_proposes_it()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        var space = new UrlProtectionSpace("127.0.0.1", server.BaseAddress.Port, "http", "tests", UrlProtectionSpace.AuthenticationMethodHttpBasic);
        configuration.UrlCredentialStorage!.SetDefaultCredential(s_ada, space);
        var (task, error, recorder) = await RunAsync(_ => (AuthChallengeDisposition.PerformDefaultHandling, null), configuration);
        Assert.Null(error);
        Assert.Equal(200, ((HttpUrlResponse)task.Response!).StatusCode);
        Assert.Equal(s_ada, recorder.Challenges[0].ProposedCredential);
    }

    [Fact]
    public async Task Without_a_challenge_callback_the_stored_credential_is_used()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        var space = new UrlProtectionSpace("127.0.0.1", server.BaseAddress.Port, "http", "tests", UrlProtectionSpace.AuthenticationMethodHttpBasic);
        configuration.UrlCredentialStorage!.SetCredential(s_ada, space);
        await using var session = new UrlSession(configuration);
        var (data, response) = await session.DataAsync(server.Url("/basic"), Ct);
        Assert.Equal("welcome ada", Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task A_storage_that_overrides_the_task_form_of_the_default_credential_answers_for_the_task()
    {
        var storage = new PerTaskStorage();
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.UrlCredentialStorage = storage;
        await using var session = new UrlSession(configuration);
        var (data, _) = await session.DataAsync(server.Url("/basic"), Ct);
        Assert.Equal("welcome ada", Encoding.UTF8.GetString(data));
        Assert.Equal(1, storage.Asked);
    }

    /// <summary>Apple's task-based storage method, overridden: keeps no credential, answers per task.</summary>
    private sealed class PerTaskStorage : UrlCredentialStorage
    {
        public int Asked { get; private set; }

        public override UrlCredential? GetDefaultCredential(UrlProtectionSpace space, UrlSessionTask task)
        {
            Asked++;
            return s_ada;
        }
    }

    [Fact]
    public async Task Cancelling_the_challenge_fails_the_task_with_Cancelled()
    {
        var (_, error, _) = await RunAsync(_ => (AuthChallengeDisposition.CancelAuthenticationChallenge, null));
        Assert.Equal(UrlErrorCode.Cancelled, error!.Code);
    }

    [Fact]
    public async Task Rejecting_the_protection_space_delivers_the_401()
    {
        var (task, error, _) = await RunAsync(_ => (AuthChallengeDisposition.RejectProtectionSpace, null));
        Assert.Null(error);
        Assert.Equal(401, ((HttpUrlResponse)task.Response!).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_retried_with_a_growing_failure_count_and_then_stops()
    {
        var (_, error, recorder) = await RunAsync(_ => (AuthChallengeDisposition.UseCredential, new UrlCredential("ada", "wrong")));
        Assert.Equal(UrlErrorCode.UserAuthenticationRequired, error!.Code);
        Assert.Equal([0, 1, 2, 3, 4, 5], recorder.Challenges.Select(c => c.PreviousFailureCount));
        Assert.Equal(new UrlCredential("ada", "wrong"), recorder.Challenges[1].ProposedCredential);
    }

    [Fact]
    public async Task A_401_without_a_Basic_challenge_is_delivered_without_asking_the_delegate()
    {
        var (task, error, recorder) = await RunAsync(_ => throw new InvalidOperationException("not asked"), path: "/unauthorized-no-challenge");
        Assert.Null(error);
        Assert.Empty(recorder.Challenges);
        Assert.Equal(401, ((HttpUrlResponse)task.Response!).StatusCode);
    }
}

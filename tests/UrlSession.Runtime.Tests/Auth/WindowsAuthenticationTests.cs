using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Auth;

/// <summary>
/// NTLM and Negotiate against a loopback server that verifies NTLMv2 answers itself (MS-NLMP, SPNEGO). This test
/// process turns on .NET's managed NTLM (its project file sets System.Net.Security.UseManagedNtlm), as an app on a
/// Linux machine without gss-ntlmssp must.
/// </summary>
public sealed class WindowsAuthenticationTests : IAsyncLifetime
{
    private static readonly UrlCredential s_alice = new($"{WindowsAuthServer.Domain}\\alice", "wonderland");
    private WindowsAuthServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await WindowsAuthServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task<(UrlSessionDataTask Task, UrlError? Error, RecordingDelegate Recorder, string Body)> RunAsync(
        string offer, Func<UrlAuthenticationChallenge, (AuthChallengeDisposition, UrlCredential?)> answer, UrlSessionConfiguration? configuration = null)
    {
        var recorder = new RecordingDelegate { OnChallenge = answer };
        await using var session = new UrlSession(configuration ?? UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(_server.Url(offer));
        task.Resume();
        var error = await recorder.CompletionOf(task).WaitAsync(Ct);
        return (task, error, recorder, Encoding.UTF8.GetString(recorder.Body.ToArray()));
    }

    [Fact]
    public async Task An_NTLM_challenge_is_answered_with_a_handshake_the_server_verifies()
    {
        var (task, error, recorder, body) = await RunAsync("ntlm", _ => (AuthChallengeDisposition.UseCredential, s_alice));
        Assert.Null(error);
        Assert.Equal(200, ((HttpUrlResponse)task.Response!).StatusCode);
        Assert.Equal("welcome TESTDOM\\alice via NTLM", body);
        var challenge = Assert.Single(recorder.Challenges);
        var space = challenge.ProtectionSpace;
        Assert.Equal(UrlProtectionSpace.AuthenticationMethodNtlm, space.AuthenticationMethod);
        Assert.Equal(("127.0.0.1", _server.Url("x").Port, "http", (string?)null), (space.Host, space.Port, space.Protocol, space.Realm));
        Assert.True(space.ReceivesCredentialSecurely);
        Assert.Equal(0, challenge.PreviousFailureCount);
        Assert.Equal(["NTLM TESTDOM\\alice ok"], _server.Verdicts);
    }

    [Fact]
    public async Task Negotiate_is_chosen_over_NTLM_and_Basic_and_carries_NTLM_inside_SPNEGO()
    {
        var (_, error, recorder, body) = await RunAsync("negotiate,ntlm,basic", _ => (AuthChallengeDisposition.UseCredential, s_alice));
        Assert.Null(error);
        Assert.Equal("welcome TESTDOM\\alice via Negotiate", body);
        Assert.Equal(UrlProtectionSpace.AuthenticationMethodNegotiate, Assert.Single(recorder.Challenges).ProtectionSpace.AuthenticationMethod);
        Assert.Equal(["Negotiate TESTDOM\\alice ok"], _server.Verdicts);
    }

    [Fact]
    public async Task A_wrong_password_is_asked_again_with_a_growing_failure_count_then_stops()
    {
        var wrong = new UrlCredential($"{WindowsAuthServer.Domain}\\alice", "looking-glass");
        var (_, error, recorder, _) = await RunAsync("ntlm", _ => (AuthChallengeDisposition.UseCredential, wrong));
        Assert.Equal(UrlErrorCode.UserAuthenticationRequired, error!.Code);
        Assert.Equal([0, 1, 2, 3, 4, 5], recorder.Challenges.Select(c => c.PreviousFailureCount));
        // The credential that failed is proposed on the next challenge, as Apple does.
        Assert.All(recorder.Challenges.Skip(1), c => Assert.Equal(wrong, c.ProposedCredential));
        Assert.Equal(Enumerable.Repeat("NTLM TESTDOM\\alice wrong password", 5), _server.Verdicts);
    }

    [Fact]
    public async Task Default_handling_uses_the_stored_credential_and_a_later_task_reuses_it()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        var space = new UrlProtectionSpace("127.0.0.1", _server.Url("x").Port, "http", null, UrlProtectionSpace.AuthenticationMethodNtlm);
        configuration.UrlCredentialStorage!.SetDefaultCredential(s_alice, space);
        var (_, error, recorder, body) = await RunAsync("ntlm", _ => (AuthChallengeDisposition.PerformDefaultHandling, null), configuration);
        Assert.Null(error);
        Assert.Equal("welcome TESTDOM\\alice via NTLM", body);
        Assert.Equal(s_alice, Assert.Single(recorder.Challenges).ProposedCredential);
    }

    [Fact]
    public async Task Default_handling_without_a_credential_delivers_the_401()
    {
        var (task, error, recorder, body) = await RunAsync("ntlm", _ => (AuthChallengeDisposition.PerformDefaultHandling, null));
        Assert.Null(error);
        Assert.Equal(401, ((HttpUrlResponse)task.Response!).StatusCode);
        Assert.Equal("denied", body);
        Assert.Single(recorder.Challenges);
        Assert.Empty(_server.Verdicts);
    }

    [Fact]
    public async Task NTLM_outranks_Basic_when_the_server_offers_both()
    {
        // With NTLM available, NTLM outranks Basic (the password never crosses the wire).
        var (_, error, recorder, body) = await RunAsync("ntlm,basic", _ => (AuthChallengeDisposition.UseCredential, s_alice));
        Assert.Null(error);
        Assert.Equal(UrlProtectionSpace.AuthenticationMethodNtlm, Assert.Single(recorder.Challenges).ProtectionSpace.AuthenticationMethod);
        Assert.Equal("welcome TESTDOM\\alice via NTLM", body);
    }

    [Fact]
    public async Task Cancelling_the_challenge_fails_the_task_with_Cancelled()
    {
        var (_, error, _, _) = await RunAsync("negotiate", _ => (AuthChallengeDisposition.CancelAuthenticationChallenge, null));
        Assert.Equal(UrlErrorCode.Cancelled, error!.Code);
        Assert.Empty(_server.Verdicts);
    }

    [Fact]
    public async Task A_proxy_asking_for_NTLM_raises_a_proxy_challenge_and_the_handshake_runs_with_the_proxy()
    {
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.ConnectionProxy = new UrlProxyConfiguration { HttpProxy = _server.Address };
        var recorder = new RecordingDelegate { OnChallenge = _ => (AuthChallengeDisposition.UseCredential, s_alice) };
        await using var session = new UrlSession(configuration, recorder);
        // Port 9 (discard) is never reached: the proxy answers for it.
        var task = session.DataTask(new Uri("http://127.0.0.1:9/auth?offer=ntlm&proxy=1"));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        Assert.Equal("welcome TESTDOM\\alice via NTLM to 127.0.0.1:9", Encoding.UTF8.GetString(recorder.Body.ToArray()));
        var space = Assert.Single(recorder.Challenges).ProtectionSpace;
        Assert.True(space.IsProxy);
        Assert.Equal((UrlProtectionSpace.AuthenticationMethodNtlm, _server.Address.Port), (space.AuthenticationMethod, space.Port));
        Assert.Equal(["NTLM TESTDOM\\alice ok"], _server.Verdicts);
    }
}

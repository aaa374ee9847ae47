using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Auth;

/// <summary>HTTP Digest (RFC 7616) against the loopback server, which checks every field of the answer.</summary>
public sealed class DigestAuthenticationTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string Body, RecordingDelegate Recorder, UrlSessionDataTask Task)> RunAsync(string path, UrlCredential credential)
    {
        var recorder = new RecordingDelegate { OnChallenge = _ => (AuthChallengeDisposition.UseCredential, credential) };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url(path));
        task.Resume();
        Assert.Null(await recorder.CompletionOf(task).WaitAsync(Ct));
        return (Encoding.UTF8.GetString(recorder.Body.ToArray()), recorder, task);
    }

    [Theory]
    [InlineData("MD5")]
    [InlineData("SHA-256")]
    public async Task A_Digest_challenge_is_answered_without_sending_the_password(string algorithm)
    {
        var (body, recorder, _) = await RunAsync($"/digest/{algorithm}?page=1", new UrlCredential("ada", "lovelace"));
        Assert.Equal($"digest welcome ada ({algorithm})", body);
        var challenge = Assert.Single(recorder.Challenges);
        Assert.Equal(UrlProtectionSpace.AuthenticationMethodHttpDigest, challenge.ProtectionSpace.AuthenticationMethod);
        Assert.Equal("digest-realm", challenge.ProtectionSpace.Realm);
    }

    [Fact]
    public async Task Digest_is_preferred_when_the_server_also_offers_Basic()
    {
        var (body, recorder, _) = await RunAsync("/digest/SHA-256?basic", new UrlCredential("ada", "lovelace"));
        Assert.Equal("digest welcome ada (SHA-256)", body);
        Assert.Equal(UrlProtectionSpace.AuthenticationMethodHttpDigest, Assert.Single(recorder.Challenges).ProtectionSpace.AuthenticationMethod);
    }

    [Fact]
    public async Task A_wrong_password_is_asked_again_with_a_growing_failure_count_then_stops()
    {
        var recorder = new RecordingDelegate { OnChallenge = _ => (AuthChallengeDisposition.UseCredential, new UrlCredential("ada", "wrong")) };
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral, recorder);
        var task = session.DataTask(server.Url("/digest/MD5"));
        task.Resume();
        var error = await recorder.CompletionOf(task).WaitAsync(Ct);
        Assert.Equal(UrlErrorCode.UserAuthenticationRequired, error!.Code);
        Assert.Equal([0, 1, 2, 3, 4, 5], recorder.Challenges.Select(c => c.PreviousFailureCount));
    }
}

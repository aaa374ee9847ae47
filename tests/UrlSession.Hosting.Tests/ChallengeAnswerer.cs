namespace UrlLoading.Hosting.Tests;

public sealed record Credentials(string User, string Password);

/// <summary>A session delegate with dependencies from the container: it answers challenges with <see cref="Credentials"/>.</summary>
[UrlSessionDelegate]
public sealed partial class ChallengeAnswerer(Credentials credentials, CreationCounter counter)
{
    public int Serial { get; } = counter.Increment();

    public List<string?> Realms { get; } = [];

    private (AuthChallengeDisposition, UrlCredential?) DidReceiveChallenge(UrlSessionTask task, UrlAuthenticationChallenge challenge)
    {
        lock (Realms)
            Realms.Add(challenge.ProtectionSpace.Realm);
        return (AuthChallengeDisposition.UseCredential, new UrlCredential(credentials.User, credentials.Password));
    }
}

/// <summary>Counts how many <see cref="ChallengeAnswerer"/>s the container built.</summary>
public sealed class CreationCounter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public int Increment() => Interlocked.Increment(ref _count);
}

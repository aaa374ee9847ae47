namespace UrlLoading;

/// <summary>How long a credential is kept (Apple's <c>URLCredential.Persistence</c>).</summary>
public enum UrlCredentialPersistence
{
    /// <summary>Used once and never stored.</summary>
    None = 0,
    /// <summary>Kept in memory for the life of the storage.</summary>
    ForSession = 1,
    /// <summary>Kept across launches by <see cref="UrlCredentialStorage.Shared"/> (password sealed on disk, never in clear text); other storages keep it for the process.</summary>
    Permanent = 2,
}

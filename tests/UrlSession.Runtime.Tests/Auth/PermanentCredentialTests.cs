using System.Text;

namespace UrlLoading.Tests.Auth;

/// <summary>Permanent credentials survive the storage (the process) without a password ever in clear text on disk.</summary>
public sealed class PermanentCredentialTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "credentials-" + Guid.NewGuid().ToString("N"));
    private static readonly UrlProtectionSpace s_space = new("api.example.com", 443, "https", "api", UrlProtectionSpace.AuthenticationMethodHttpBasic);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private UrlCredentialStorage Open() => new(new CredentialFile(_folder));

    [Fact]
    public void A_permanent_credential_is_there_for_the_next_storage_and_a_session_one_is_not()
    {
        var storage = Open();
        storage.SetCredential(new UrlCredential("ada", "correct horse battery staple", UrlCredentialPersistence.Permanent), s_space);
        storage.SetCredential(new UrlCredential("bob", "for this run only", UrlCredentialPersistence.ForSession), s_space);
        storage.SetDefaultCredential(new UrlCredential("ada", "correct horse battery staple", UrlCredentialPersistence.Permanent), s_space);

        var next = Open();
        var kept = Assert.Single(next.Credentials(s_space));
        Assert.Equal(("ada", "correct horse battery staple", UrlCredentialPersistence.Permanent), (kept.Value.User, kept.Value.Password, kept.Value.Persistence));
        Assert.Equal("ada", next.DefaultCredential(s_space)!.User);
    }

    [Fact]
    public void No_password_is_written_in_clear_text_and_the_files_are_private()
    {
        const string Password = "correct horse battery staple";
        Open().SetCredential(new UrlCredential("ada", Password, UrlCredentialPersistence.Permanent), s_space);
        foreach (var file in Directory.GetFiles(_folder))
        {
            byte[] content = File.ReadAllBytes(file);
            Assert.Equal(-1, content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Password)));
            Assert.Equal(-1, content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password)))));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_folder));
    }

    [Fact]
    public void A_tampered_entry_is_dropped_and_a_removed_credential_stays_removed()
    {
        var storage = Open();
        var ada = new UrlCredential("ada", "secret", UrlCredentialPersistence.Permanent);
        storage.SetCredential(ada, s_space);
        string data = Path.Combine(_folder, "credentials.json");
        string json = File.ReadAllText(data);
        File.WriteAllText(data, json.Replace("\"User\":\"ada\"", "\"User\":\"eve\"", StringComparison.Ordinal));
        Assert.Empty(Open().Credentials(s_space));   // the user name is bound to the sealed password

        storage.RemoveCredential(ada, s_space);
        Assert.Empty(Open().Credentials(s_space));
    }
}

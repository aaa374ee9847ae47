using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Auth;

/// <summary>Apple's <c>URLCredentialStorage</c> beyond one space: every credential, the change notification, the task forms.</summary>
public sealed class CredentialStorageTests(TestServer server)
{
    private static readonly UrlProtectionSpace s_api = new("api.example.com", 443, "https", "api", UrlProtectionSpace.AuthenticationMethodHttpBasic);
    private static readonly UrlProtectionSpace s_proxy = new("proxy.example.com", 3128, "http", null, UrlProtectionSpace.AuthenticationMethodHttpBasic) { IsProxy = true };

    [Fact]
    public void AllCredentials_is_a_snapshot_by_space_then_user()
    {
        var storage = new UrlCredentialStorage();
        storage.SetCredential(new UrlCredential("ada", "1"), s_api);
        storage.SetCredential(new UrlCredential("bob", "2"), s_api);
        storage.SetCredential(new UrlCredential("carol", "3"), s_proxy);
        storage.SetCredential(new UrlCredential("nobody", "4", UrlCredentialPersistence.None), s_proxy);

        var all = storage.AllCredentials;
        storage.RemoveCredential(new UrlCredential("bob", "2"), s_api);

        Assert.Equal(["ada", "bob"], all[s_api].Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["carol"], all[s_proxy].Keys);
        Assert.Equal(["ada"], storage.AllCredentials[s_api].Keys);
        storage.RemoveCredential(new UrlCredential("ada", "1"), s_api);
        Assert.False(storage.AllCredentials.ContainsKey(s_api));
    }

    [Fact]
    public void CredentialsChanged_is_raised_for_each_change_and_not_when_nothing_changed()
    {
        var storage = new UrlCredentialStorage();
        var raised = 0;
        storage.CredentialsChanged += (sender, _) =>
        {
            Assert.Same(storage, sender);
            raised++;
        };
        var ada = new UrlCredential("ada", "1");
        var bob = new UrlCredential("bob", "2");

        storage.SetCredential(ada, s_api);                                               // stored, and the space's default
        storage.SetCredential(ada, s_api);                                               // the same again: nothing changed
        storage.SetCredential(new UrlCredential("eve", "x", UrlCredentialPersistence.None), s_api); // never stored
        storage.SetDefaultCredential(bob, s_api);                                        // stored and made default
        storage.SetDefaultCredential(bob, s_api);                                        // already so
        storage.SetCredential(ada with { }, s_api);                                      // equal: nothing changed
        storage.SetCredential(new UrlCredential("ada", "new password"), s_api);          // replaced
        storage.RemoveCredential(bob, s_api);
        storage.RemoveCredential(bob, s_api);                                            // already gone

        Assert.Equal(4, raised);
    }

    [Fact]
    public async Task The_task_forms_answer_for_the_task_as_the_plain_ones_do()
    {
        var storage = new UrlCredentialStorage();
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var task = session.DataTask(server.Url("/hello"));

        storage.SetCredential(new UrlCredential("ada", "1"), s_api, task);
        storage.SetDefaultCredential(new UrlCredential("bob", "2"), s_api, task);

        Assert.Equal("bob", storage.GetDefaultCredential(s_api, task)!.User);
        Assert.Equal(["ada", "bob"], storage.GetCredentials(s_api, task).Keys.Order(StringComparer.Ordinal));
        Assert.Null(storage.GetDefaultCredential(s_proxy, task));
        storage.RemoveCredential(new UrlCredential("bob", "2"), s_api, task);
        Assert.Equal(["ada"], storage.GetCredentials(s_api, task).Keys);
        Assert.Null(storage.GetDefaultCredential(s_api, task));
        Assert.Throws<ArgumentNullException>(() => storage.GetCredentials(s_api, null!));
        task.Cancel();
    }

    [Fact]
    public void A_permanent_default_credential_is_saved_and_announced_once()
    {
        string folder = Path.Combine(Path.GetTempPath(), "credentials-" + Guid.NewGuid().ToString("N"));
        try
        {
            var storage = new UrlCredentialStorage(new CredentialFile(folder));
            int raised = 0;
            storage.CredentialsChanged += (_, _) => raised++;
            storage.SetDefaultCredential(new UrlCredential("ada", "secret", UrlCredentialPersistence.Permanent), s_api);

            var next = new UrlCredentialStorage(new CredentialFile(folder));
            Assert.Equal(1, raised);
            Assert.Equal("secret", next.AllCredentials[s_api]["ada"].Password);
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace UrlLoading.Hosting.Tests;

/// <summary>Named sessions, IHttpClientFactory clients and delegates, in a real Host.</summary>
public sealed class UrlSessionHostingTests(LoopbackServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HostApplicationBuilder NewBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        return builder;
    }

    [Fact]
    public async Task A_typed_client_runs_over_its_named_session_and_configuration()
    {
        var builder = NewBuilder();
        builder.Services.AddUrlSession("api", configuration => configuration.HttpAdditionalHeaders = new Dictionary<string, string> { ["X-App"] = "hosting-tests" });
        builder.Services.AddHttpClient<WhoAmIClient>(client => client.BaseAddress = server.BaseAddress).UseUrlSession("api");
        using var host = builder.Build();
        await host.StartAsync(Ct);

        string answer = await host.Services.GetRequiredService<WhoAmIClient>().AskAsync(Ct);

        // No User-Agent from the caller: the session sends its own, so the request went through the session.
        Assert.StartsWith("UrlSession/", answer, StringComparison.Ordinal);
        Assert.EndsWith(" | hosting-tests", answer, StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_named_client_answers_its_challenge_with_a_delegate_from_the_container()
    {
        var builder = NewBuilder();
        builder.Services.AddSingleton(new Credentials("ada", "lovelace"));
        builder.Services.AddSingleton<CreationCounter>();
        builder.Services.AddUrlSession("secured").AddDelegate<ChallengeAnswerer>();
        builder.Services.AddHttpClient("secured").UseUrlSession("secured");
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("secured");

        string body = await client.GetStringAsync(server.Url("/basic"), Ct);

        Assert.Equal("welcome ada", body);
        var answerer = host.Services.GetRequiredService<ChallengeAnswerer>();
        Assert.Equal(["hosting"], answerer.Realms);
        Assert.Same(answerer, host.Services.GetRequiredService<IUrlSessionFactory>().GetSession("secured").Delegate);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task One_session_per_name_reused_and_invalidated_with_the_container()
    {
        var builder = NewBuilder();
        builder.Services.AddUrlSession("a");
        builder.Services.AddUrlSession("b");
        UrlSession first;
        using (var host = builder.Build())
        {
            var factory = host.Services.GetRequiredService<IUrlSessionFactory>();
            first = factory.GetSession("a");

            Assert.Same(first, factory.GetSession("a"));
            Assert.NotSame(first, factory.GetSession("b"));
            Assert.Equal("a", first.SessionDescription);
        }

        var error = Assert.Throws<InvalidOperationException>(() => first.DataTask(server.Url("/whoami")));
        Assert.Contains("invalidated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_container_disposed_synchronously_also_invalidates_its_sessions()
    {
        var services = new ServiceCollection();
        services.AddUrlSession("sync");
        UrlSession session;
        using (var provider = services.BuildServiceProvider())
            session = provider.GetRequiredService<IUrlSessionFactory>().GetSession("sync");

        Assert.Throws<InvalidOperationException>(() => session.DataTask(server.Url("/whoami")));
    }

    [Fact]
    public void An_unregistered_name_fails_with_a_message_naming_the_fix()
    {
        var builder = NewBuilder();
        builder.Services.AddUrlSession("known");
        using var host = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<IUrlSessionFactory>().GetSession("unknown"));

        Assert.Contains("AddUrlSession(\"unknown\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Default_sessions_are_created_on_first_use_not_at_start()
    {
        var builder = NewBuilder();
        builder.Services.AddSingleton(new Credentials("ada", "lovelace"));
        builder.Services.AddSingleton<CreationCounter>();
        builder.Services.AddUrlSession("lazy").AddDelegate<ChallengeAnswerer>();
        using var host = builder.Build();

        await host.StartAsync(Ct);

        // Only background sessions are attached at start; the delegate of a default one is not even built.
        Assert.Equal(0, host.Services.GetRequiredService<CreationCounter>().Count);
        await host.StopAsync(Ct);
    }

    /// <summary>A typed client, as IHttpClientFactory users write them.</summary>
    public sealed class WhoAmIClient(HttpClient http)
    {
        public Task<string> AskAsync(CancellationToken cancellationToken) => http.GetStringAsync("whoami", cancellationToken);
    }
}

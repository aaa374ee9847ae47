using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Http;

/// <summary>Code written for HttpClient, unchanged, over a session: a Refit-style typed client and the resilience pipeline.</summary>
public sealed class TypedClientTests(TestServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_typed_client_gets_and_posts_json_over_a_session()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var todos = new TodoClient(new HttpClient(new UrlSessionHandler(session)) { BaseAddress = server.Url("/handler/") });

        var fetched = await todos.GetAsync(7, Ct);
        var created = await todos.CreateAsync(new Todo(0, "write the bridge", Done: true), Ct);

        Assert.Equal(new Todo(7, "todo 7", Done: false), fetched);
        Assert.Equal(new Todo(42, "write the bridge", Done: true), created);
    }

    [Fact]
    public async Task The_standard_resilience_handler_retries_a_503_until_it_succeeds()
    {
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);
        var services = new ServiceCollection();
        services.AddHttpClient("flaky")
            .ConfigurePrimaryHttpMessageHandler(() => new UrlSessionHandler(session))
            .AddStandardResilienceHandler(options =>
            {
                options.Retry.Delay = TimeSpan.FromMilliseconds(1);
                options.Retry.BackoffType = DelayBackoffType.Constant;
                options.Retry.UseJitter = false;
            });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("flaky");
        string name = Guid.NewGuid().ToString("N");

        using var response = await client.GetAsync(server.Url($"/handler/flaky/{name}?failures=2"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok after 2 failures", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(3, server.FlakyRequests[name]);
    }

    public sealed record Todo(int Id, string Title, bool Done);

    /// <summary>What Refit would generate for <c>[Get("/todos/{id}")]</c> and <c>[Post("/todos")]</c>.</summary>
    private sealed class TodoClient(HttpClient http)
    {
        public Task<Todo?> GetAsync(int id, CancellationToken cancellationToken) =>
            http.GetFromJsonAsync<Todo>($"todos/{id}", cancellationToken);

        public async Task<Todo?> CreateAsync(Todo todo, CancellationToken cancellationToken)
        {
            using var response = await http.PostAsJsonAsync("todos", todo, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<Todo>(cancellationToken);
        }
    }
}

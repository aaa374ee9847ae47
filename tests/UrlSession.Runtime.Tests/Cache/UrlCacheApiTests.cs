using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cache;

/// <summary>Apple's <c>URLCache</c> methods beyond one request: removal by date and the data-task forms.</summary>
public sealed class UrlCacheApiTests(TestServer server) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cache-api-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static CachedUrlResponse Response(Uri url, string body) =>
        new(new HttpUrlResponse(url, 200, "HTTP/1.1", new Dictionary<string, string> { ["Cache-Control"] = "max-age=3600" }), Encoding.UTF8.GetBytes(body));

    [Fact]
    public void RemoveCachedResponses_since_a_date_removes_what_was_stored_from_then_on_in_memory_and_on_disk()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var cache = new UrlCache(1 << 20, 1 << 20, _folder, time);
        var older = new UrlRequest(new Uri("https://example.com/older"));
        var newer = new UrlRequest(new Uri("https://example.com/newer"));
        cache.StoreCachedResponse(Response(older.Url, "older"), older);
        time.Now += TimeSpan.FromMinutes(5);
        cache.StoreCachedResponse(Response(newer.Url, "newer"), newer);

        cache.RemoveCachedResponses(time.Now);

        Assert.NotNull(cache.CachedResponse(older));
        Assert.Null(cache.CachedResponse(newer));
        var reopened = new UrlCache(1 << 20, 1 << 20, _folder);
        Assert.Equal("older", Encoding.UTF8.GetString(reopened.CachedResponse(older)!.Data.Span));
        Assert.Null(reopened.CachedResponse(newer));
    }

    [Fact]
    public async Task A_response_stored_for_a_data_task_answers_that_tasks_request()
    {
        var cache = new UrlCache(1 << 20, 0, null);
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.UrlCache = cache;
        await using var session = new UrlSession(configuration);
        var url = server.Url($"/cache/t{Guid.NewGuid():N}?cc=no-store");
        var task = session.DataTask(new UrlRequest(url) { CachePolicy = RequestCachePolicy.ReturnCacheDataDoNotLoad });
        Assert.Null(cache.CachedResponse(task));

        cache.StoreCachedResponse(Response(url, "stored for the task"), task);

        Assert.Equal("stored for the task", Encoding.UTF8.GetString(cache.CachedResponse(task)!.Data.Span));
        var (data, _) = await session.DataAsync(task.CurrentRequest, Ct);
        Assert.Equal("stored for the task", Encoding.UTF8.GetString(data));
        task.Cancel();
    }

    [Fact]
    public async Task Repeated_Set_Cookie_lines_stay_apart_in_memory_on_disk_and_in_an_answer_from_the_cache()
    {
        var url = server.Url($"/cache/l{Guid.NewGuid():N}?cc=no-store");
        var response = new HttpUrlResponse(url, 200, "HTTP/1.1", [
            new("Cache-Control", "max-age=3600"),
            new("Set-Cookie", "a=1; Expires=Wed, 01 Jan 2070 00:00:00 GMT"),
            new("Set-Cookie", "b=2"),
        ]);
        var cache = new UrlCache(1 << 20, 1 << 20, _folder);
        cache.StoreCachedResponse(new CachedUrlResponse(response, Encoding.UTF8.GetBytes("body")), new UrlRequest(url));
        string[] lines = ["a=1; Expires=Wed, 01 Jan 2070 00:00:00 GMT", "b=2"];

        var reopened = new UrlCache(1 << 20, 1 << 20, _folder);
        Assert.Equal(lines, ((HttpUrlResponse)reopened.CachedResponse(new UrlRequest(url))!.Response).AllHeaderFieldValues("Set-Cookie"));
        var configuration = UrlSessionConfiguration.Ephemeral;
        configuration.UrlCache = reopened;
        await using var session = new UrlSession(configuration);
        var (_, answer) = await session.DataAsync(url, Ct);
        Assert.Equal(lines, ((HttpUrlResponse)answer).AllHeaderFieldValues("Set-Cookie"));
    }
}

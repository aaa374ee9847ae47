using System.Collections.Concurrent;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Requests;

/// <summary>What goes on the wire for a body set on the request, as Apple's loading system sends it.</summary>
public sealed class RequestBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_body_without_a_Content_Type_is_sent_as_a_form_and_an_apps_own_type_is_kept()
    {
        var heads = new ConcurrentQueue<string>();
        await using var raw = new RawServer(async (socket, ct) =>
        {
            heads.Enqueue(await RawServer.ReadRequestHeadAsync(socket, ct));
            await RawServer.SendAsync(socket, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", ct);
        });
        await using var session = new UrlSession(UrlSessionConfiguration.Ephemeral);

        await session.DataAsync(new UrlRequest(raw.Url("/form")) { HttpMethod = "POST", HttpBody = "a=1&b=2"u8.ToArray() }, Ct);
        await session.DataAsync(new UrlRequest(raw.Url("/json")) { HttpMethod = "POST", HttpBody = "{}"u8.ToArray() }.WithHeader("Content-Type", "application/json"), Ct);

        string[] seen = [.. heads];
        Assert.Contains("Content-Type: application/x-www-form-urlencoded", seen[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Content-Type: application/json", seen[1], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-www-form-urlencoded", seen[1], StringComparison.OrdinalIgnoreCase);
    }
}

using System.Collections.Concurrent;
using System.Text;
using UrlLoading.Tests.Infrastructure;

namespace UrlLoading.Tests.Cookies;

/// <summary>
/// A cookie that cannot travel back in a request header (non-ASCII bytes, control characters) is never stored, so no
/// stored cookie can make a later request to its host fail.
/// </summary>
public sealed class UnsendableCookieTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Answers <c>/set</c> with the given raw <c>Set-Cookie</c> lines, anything else with the Cookie line it received (or "none").</summary>
    private static RawServer Server(ConcurrentQueue<string> heads, params byte[][] setCookieLines) => new(async (socket, ct) =>
    {
        string head = await RawServer.ReadRequestHeadAsync(socket, ct);
        heads.Enqueue(head);
        var response = new List<byte>();
        string body;
        if (head.StartsWith("GET /set ", StringComparison.Ordinal))
        {
            foreach (var line in setCookieLines)
                response.AddRange([.. "Set-Cookie: "u8, .. line, .. "\r\n"u8]);
            body = "set";
        }
        else
        {
            body = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Cookie: ", StringComparison.OrdinalIgnoreCase)) ?? "none";
        }
        byte[] status = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n");
        await RawServer.SendAsync(socket, (byte[])[.. status, .. response, .. "\r\n"u8, .. Encoding.ASCII.GetBytes(body)], ct);
    });

    [Fact]
    public async Task A_cookie_with_non_ASCII_bytes_is_not_stored_and_the_host_keeps_working()
    {
        var heads = new ConcurrentQueue<string>();
        await using var server = Server(heads,
            [.. "pref=caf"u8, 0xC3, 0xA9, .. "; Path=/"u8],        // café in UTF-8
            [.. "latin=caf"u8, 0xE9, .. "; Path=/"u8],             // café in Latin-1
            [.. "na"u8, 0xC3, 0xAF, .. "ve=1; Path=/"u8],          // a non-ASCII name
            "ok=1; Path=/"u8.ToArray());
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await session.DataAsync(server.Url("/set"), Ct);

        Assert.Equal(["ok"], configuration.HttpCookieStorage!.Cookies.Select(c => c.Name));
        for (int i = 0; i < 2; i++)
        {
            var (data, response) = await session.DataAsync(server.Url("/page"), Ct);
            Assert.Equal(200, ((HttpUrlResponse)response).StatusCode);
            Assert.Equal("Cookie: ok=1", Encoding.ASCII.GetString(data));
        }
    }

    [Fact]
    public async Task A_cookie_with_control_characters_is_not_stored_and_the_host_keeps_working()
    {
        var heads = new ConcurrentQueue<string>();
        await using var server = Server(heads,
            [.. "bell=a"u8, 0x07, .. "b; Path=/"u8],
            [.. "del=a"u8, 0x7F, .. "b; Path=/"u8],
            [.. "esc"u8, 0x1B, .. "=1; Path=/"u8],
            "ok=1; Path=/"u8.ToArray());
        var configuration = UrlSessionConfiguration.Ephemeral;
        await using var session = new UrlSession(configuration);
        await session.DataAsync(server.Url("/set"), Ct);

        Assert.Equal(["ok"], configuration.HttpCookieStorage!.Cookies.Select(c => c.Name));
        var (data, _) = await session.DataAsync(server.Url("/page"), Ct);
        Assert.Equal("Cookie: ok=1", Encoding.ASCII.GetString(data));
    }

    [Theory]
    [InlineData("café")]
    [InlineData("a\r\nX-Injected: 1")]
    [InlineData("a\u0001b")]
    [InlineData("a; other=1")]
    public void The_app_cannot_make_a_cookie_whose_value_cannot_be_sent(string value)
    {
        Assert.Throws<ArgumentException>(() => new HttpCookie("pref", value, "example.com"));
        var cookie = new HttpCookie("pref", "ok", "example.com");
        Assert.Throws<ArgumentException>(() => cookie with { Value = value });
    }

    [Theory]
    [InlineData("naïve")]
    [InlineData("a=b")]
    [InlineData("a;b")]
    [InlineData("a\tb\n")]
    public void The_app_cannot_make_a_cookie_whose_name_cannot_be_sent(string name) =>
        Assert.Throws<ArgumentException>(() => new HttpCookie(name, "1", "example.com"));
}

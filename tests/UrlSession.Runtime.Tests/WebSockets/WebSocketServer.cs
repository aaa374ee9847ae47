using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace UrlLoading.Tests.WebSockets;

/// <summary>A loopback Kestrel server with WebSocket endpoints, one per test class, and what it saw on each handshake and close.</summary>
public sealed class WebSocketServer : IAsyncLifetime
{
    private const string SupportedProtocol = "chat.v2";
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Handshake request headers, by the <c>X-Test-Id</c> header.</summary>
    public ConcurrentDictionary<string, Dictionary<string, string>> Handshakes { get; } = new();

    /// <summary>The close status and description each echo connection received, by <c>X-Test-Id</c>.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)>> Closes { get; } = new();

    public Uri Url(string path) => new(BaseAddress, path);

    public TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> CloseOf(string id) =>
        Closes.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.UseWebSockets();
        // Echoes every message as it came (text or binary) until the client closes, then answers its close.
        _app.Map("/ws/echo", async (HttpContext http) =>
        {
            string id = http.Request.Headers["X-Test-Id"].ToString();
            Handshakes[id] = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            if (!http.WebSockets.IsWebSocketRequest)
            {
                http.Response.StatusCode = 400;
                return;
            }
            if (http.Request.Query["cookie"].ToString() is { Length: > 0 } cookie)
                http.Response.Headers.Append("Set-Cookie", cookie);
            string? protocol = http.WebSockets.WebSocketRequestedProtocols.Contains(SupportedProtocol) ? SupportedProtocol : null;
            using var socket = await http.WebSockets.AcceptWebSocketAsync(protocol);
            await EchoAsync(socket, id);
        });
        _app.Map("/ws/auth", async (HttpContext http) =>
        {
            string authorization = http.Request.Headers.Authorization.ToString();
            if (authorization != "Basic " + Convert.ToBase64String("alice:secret"u8))
            {
                http.Response.StatusCode = 401;
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"sockets\"";
                return;
            }
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync("hello alice"u8.ToArray(), WebSocketMessageType.Text, true, http.RequestAborted);
            await EchoAsync(socket, "auth");
        });
        _app.Map("/ws/plain", () => Results.Text("not a WebSocket endpoint"));
        // Sends one message and, once the client answers (so the message was read), resets without a close frame.
        _app.Map("/ws/reset", async (HttpContext http) =>
        {
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync("bye"u8.ToArray(), WebSocketMessageType.Text, true, http.RequestAborted);
            await socket.ReceiveAsync(new byte[64], http.RequestAborted);
            http.Abort();
        });
        // Closes first with the code and reason the query names.
        _app.Map("/ws/close", async (HttpContext http) =>
        {
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            var code = (WebSocketCloseStatus)int.Parse(http.Request.Query["code"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
            await socket.CloseAsync(code, http.Request.Query["reason"], http.RequestAborted);
        });
        // Sends one binary message of `size` bytes, then echoes.
        _app.Map("/ws/big", async (HttpContext http) =>
        {
            string id = http.Request.Headers["X-Test-Id"].ToString();
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            int size = int.Parse(http.Request.Query["size"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
            await socket.SendAsync(new byte[size], WebSocketMessageType.Binary, true, http.RequestAborted);
            await EchoAsync(socket, id);
        });
        await _app.StartAsync(TestContext.Current.CancellationToken);
        BaseAddress = new Uri(_app.Urls.First().Replace("http://", "ws://", StringComparison.Ordinal));
    }

    private async Task EchoAsync(WebSocket socket, string id)
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseOf(id).TrySetResult((result.CloseStatus, result.CloseStatusDescription));
                    await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, CancellationToken.None);
                    return;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                    continue;
                await socket.SendAsync(message.ToArray(), result.MessageType, true, CancellationToken.None);
                message.SetLength(0);
            }
        }
        catch (WebSocketException e)
        {
            CloseOf(id).TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }

    internal static string Text(UrlSessionWebSocketMessage message) => message.Text ?? Encoding.UTF8.GetString(message.Data.Span);
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UrlLoading.Tests.Infrastructure;

/// <summary>
/// A raw TCP server on 127.0.0.1 for responses Kestrel will not produce: malformed HTTP, resets, stalls, trickles.
/// Each accepted connection is handed to <c>handler</c>; the server counts concurrently open connections.
/// </summary>
public sealed class RawServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _connections = [];
    private int _open;
    private int _maxOpen;
    private int _accepted;

    public RawServer(Func<Socket, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public Uri Url(string path = "/") => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}");

    public int MaxConcurrentConnections => Volatile.Read(ref _maxOpen);

    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Reads one request head (up to the blank line) and returns it.</summary>
    public static async Task<string> ReadRequestHeadAsync(Socket socket, CancellationToken ct)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await socket.ReceiveAsync(buffer, ct) == 0)
                break;
            head.Append((char)buffer[0]);
        }
        return head.ToString();
    }

    public static Task SendAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken ct) =>
        socket.SendAsync(bytes, ct).AsTask();

    public static Task SendAsync(Socket socket, string text, CancellationToken ct) =>
        socket.SendAsync(Encoding.ASCII.GetBytes(text), ct).AsTask();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            int open = Interlocked.Increment(ref _open);
            InterlockedMax(ref _maxOpen, open);
            lock (_connections)
                _connections.Add(ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            await _handler(socket, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            socket.Dispose();
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        Task[] connections;
        lock (_connections)
            connections = [.. _connections];
        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}

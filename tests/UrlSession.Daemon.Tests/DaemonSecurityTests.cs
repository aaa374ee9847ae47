using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using UrlLoading.Background;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// Attacks on what urlsessiond keeps and shows (issue 12): credentials in its log, its listings and its files, and a
/// client that sends requests and never reads the answers. A real daemon, a real loopback server, real OS users.
/// </summary>
public sealed class DaemonSecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_that_never_reads_its_answers_is_disconnected_and_the_daemon_stays_small()
    {
        const int Requests = 200_000;
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        await world.ListAsync();
        var before = Memory(world.DaemonPid);

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(world.SocketPath), Ct);
        int sent = 0;
        try
        {
            for (; sent < Requests; sent += 1000)
                await socket.SendAsync(Batch(sent, 1000), SocketFlags.None, Ct);
        }
        catch (SocketException)
        {
            // The daemon closed the connection: the point of the test.
        }
        bool closed = await ClosedAsync(socket);
        var after = Memory(world.DaemonPid);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"sent {sent} requests; VmRSS {before.Rss / 1024} -> {after.Rss / 1024} MiB, VmHWM {before.Peak / 1024} -> {after.Peak / 1024} MiB");

        Assert.True(closed, $"The daemon kept the connection open after {sent} unread requests.");
        Assert.True(sent < Requests, "Every request was accepted: nothing bounded what the client had waiting.");
        Assert.Contains("without reading the answers; a client must read the answer to each request", world.Log, StringComparison.Ordinal);
        Assert.True(after.Peak - before.Peak < 64 * 1024, $"The daemon's peak RSS grew from {before.Peak} to {after.Peak} KiB.");
        // Only that connection closed: the daemon serves a new client.
        await using var fresh = await world.ConnectAsync();
        var status = await fresh.InvokeAsync(BackgroundProtocol.Status, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.StatusResult, Ct);
        Assert.Equal(world.DaemonPid, status.Pid);
    }

    [Fact]
    public async Task A_client_that_reads_its_answers_may_have_more_requests_under_way_than_the_bound()
    {
        await using var world = new DaemonWorld();
        await world.StartDaemonAsync();
        await using var rpc = await world.ConnectAsync();

        var answers = Enumerable.Range(0, 2 * RpcConnection.MaximumUnansweredRequests)
            .Select(_ => rpc.InvokeAsync(BackgroundProtocol.Status, new Empty(), ProtocolJson.Default.Empty, ProtocolJson.Default.StatusResult, Ct))
            .ToList();
        var statuses = await Task.WhenAll(answers).WaitAsync(TimeSpan.FromSeconds(120), Ct);

        Assert.All(statuses, s => Assert.Equal(world.DaemonPid, s.Pid));
        Assert.DoesNotContain("without reading the answers", world.Log, StringComparison.Ordinal);
    }

    private static byte[] Batch(int first, int count)
    {
        var text = new StringBuilder();
        for (int id = first + 1; id <= first + count; id++)
            text.Append(CultureInfo.InvariantCulture, $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"status\"}}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads what the daemon did send until it closes the connection (true), or 30 s pass (false).</summary>
    private static async Task<bool> ClosedAsync(Socket socket)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, patience.Token) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true; // A reset: closed with requests of ours still unread.
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The process's resident set now and at its peak, in KiB (/proc/PID/status).</summary>
    private static (long Rss, long Peak) Memory(int pid)
    {
        long Field(string[] lines, string name) =>
            long.Parse(lines.Single(l => l.StartsWith(name, StringComparison.Ordinal))[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        var lines = File.ReadAllLines($"/proc/{pid}/status");
        return (Field(lines, "VmRSS:"), Field(lines, "VmHWM:"));
    }
}

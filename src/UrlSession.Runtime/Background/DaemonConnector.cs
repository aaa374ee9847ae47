using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;
using UrlLoading.Security;

namespace UrlLoading.Background;

/// <summary>
/// Connects to this user's urlsessiond, starting it when none answers. Nothing is sent before the daemon is proven to
/// be this user's own: the socket's folder must be a folder of this user's with mode 0700 (not a symlink), and the
/// process listening must run as this user (its peer credentials are read after connecting).
/// </summary>
internal static class DaemonConnector
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);

    public static async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Background sessions need urlsessiond, which runs on Linux and macOS; this release has no Windows service.");
        return await ConnectUnixAsync(cancellationToken).ConfigureAwait(false);
    }

    [UnsupportedOSPlatform("windows")]
    private static async Task<Stream> ConnectUnixAsync(CancellationToken cancellationToken)
    {
        string socketPath = BackgroundPaths.SocketPath;
        CheckRuntimeFolder();
        if (await TryConnectAsync(socketPath, cancellationToken).ConfigureAwait(false) is { } stream)
            return stream;
        Start();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < s_startTimeout)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            CheckRuntimeFolder();
            if (await TryConnectAsync(socketPath, cancellationToken).ConfigureAwait(false) is { } started)
                return started;
        }
        throw new UrlError(UrlErrorCode.BackgroundSessionWasDisconnected, null,
            $"urlsessiond did not start listening on {socketPath} within {s_startTimeout.TotalSeconds} seconds; run 'urlsessiond run' to see why.");
    }

    /// <summary>
    /// A runtime folder that is missing is the daemon's to create; one that exists must be this user's, 0700, and not
    /// a symlink. Another user who creates it first (say under a shared /tmp when XDG_RUNTIME_DIR is unset) is refused.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    private static void CheckRuntimeFolder()
    {
        string folder = BackgroundPaths.RuntimeFolder;
        try
        {
            if (FileStatus.OfPath(folder) is null)
                return;
            var status = PrivateFolder.Verify(folder, BackgroundPaths.RuntimeFolderSetting);
            if (status.IsOpenToOthers)
                throw new UnauthorizedAccessException($"{folder} has mode {Convert.ToString((int)status.Mode, 8)}, so another local user could put a socket of theirs there. "
                    + $"Run 'chmod 700 {folder}' or set {BackgroundPaths.RuntimeFolderSetting} to a folder of your own.");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw Untrusted(e.Message, e);
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static async Task<Stream?> TryConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (FileStatus.OfPath(socketPath) is not { Kind: FileStatusKind.Socket })
            return null;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
        uint self = PeerCredentials.EffectiveUserId;
        var peer = PeerCredentials.Of(socket);
        if (peer?.Uid != self)
        {
            socket.Dispose();
            string who = peer is { } known ? $"uid {known.Uid}" : "a process whose user could not be read";
            throw Untrusted($"The process listening on {socketPath} is not yours ({who}, not uid {self}); nothing was sent to it. "
                + $"Stop that process or set {BackgroundPaths.RuntimeFolderSetting} to a folder of your own.", null);
        }
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static UrlError Untrusted(string message, Exception? inner) =>
        new(UrlErrorCode.BackgroundSessionWasDisconnected, null, "urlsessiond cannot be trusted: " + message, inner);

    /// <summary>
    /// Starts the daemon detached from this process (its own session, no inherited console), so that it outlives the
    /// app: <c>URLSESSIOND_PATH</c> names it (an executable or a .dll), else <c>urlsessiond</c> on the PATH, else
    /// <c>urlsessiond.dll</c> beside the app.
    /// </summary>
    private static void Start()
    {
        string[] command = DaemonCommand() ?? throw new UrlError(UrlErrorCode.BackgroundSessionWasDisconnected, null,
            "urlsessiond is not running and could not be found: install it ('dotnet tool install -g urlsessiond'), put it on the PATH, or set URLSESSIOND_PATH to its executable or .dll.");
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            ArgumentList =
            {
                "-c",
                "if command -v setsid >/dev/null 2>&1; then exec setsid \"$@\" run --background </dev/null >/dev/null 2>&1; else exec \"$@\" run --background </dev/null >/dev/null 2>&1; fi",
                "urlsessiond-launcher",
            },
        };
        foreach (var part in command)
            start.ArgumentList.Add(part);
        using var launcher = Process.Start(start);
    }

    private static string[]? DaemonCommand()
    {
        string? path = Environment.GetEnvironmentVariable("URLSESSIOND_PATH") is { Length: > 0 } configured ? configured : FindOnPath("urlsessiond");
        if (path is null && File.Exists(Path.Combine(AppContext.BaseDirectory, "urlsessiond.dll")))
            path = Path.Combine(AppContext.BaseDirectory, "urlsessiond.dll");
        if (path is null)
            return null;
        return path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? [DotnetHost(), path] : [path];
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    private static string? FindOnPath(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}

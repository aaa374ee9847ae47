using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UrlLoading.Daemon;

/// <summary>Who is on the other end of a Unix domain socket (Linux <c>SO_PEERCRED</c>), and who this process is.</summary>
internal static partial class PeerCredentials
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>The peer's process id and user id, or null where the platform cannot tell.</summary>
    public static (int Pid, uint Uid)? Of(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        Span<byte> credentials = stackalloc byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        int length = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        if (length < 12)
            return null;
        return (MemoryMarshal.Read<int>(credentials), MemoryMarshal.Read<uint>(credentials[4..]));
    }

    public static uint EffectiveUserId => geteuid();

    [LibraryImport("libc")]
    private static partial uint geteuid();
}

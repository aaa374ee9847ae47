using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UrlLoading.Security;

/// <summary>
/// Who is on the other end of a Unix domain socket (Linux <c>SO_PEERCRED</c>, macOS <c>LOCAL_PEERCRED</c>), and who
/// this process is. Both ends of the daemon's socket use it: the daemon serves only its own user, and the runtime
/// talks only to a daemon of its own user.
/// </summary>
internal static partial class PeerCredentials
{
    private const int LinuxSolSocket = 1;
    private const int LinuxSoPeerCred = 17;
    private const int MacSolLocal = 0;
    private const int MacLocalPeerCred = 1;

    /// <summary>The peer's process id (0 where the platform does not say) and user id, or null where the platform cannot tell.</summary>
    public static (int Pid, uint Uid)? Of(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            Span<byte> credentials = stackalloc byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            int length = socket.GetRawSocketOption(LinuxSolSocket, LinuxSoPeerCred, credentials);
            return length < 12 ? null : (MemoryMarshal.Read<int>(credentials), MemoryMarshal.Read<uint>(credentials[4..]));
        }
        if (OperatingSystem.IsMacOS())
        {
            Span<byte> credentials = stackalloc byte[76]; // struct xucred { u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]; }
            int length = socket.GetRawSocketOption(MacSolLocal, MacLocalPeerCred, credentials);
            return length < 8 ? null : (0, MemoryMarshal.Read<uint>(credentials[4..]));
        }
        return null;
    }

    /// <summary>This process's effective user id.</summary>
    public static uint EffectiveUserId => geteuid();

    [LibraryImport("libc")]
    private static partial uint geteuid();
}

using System;
using System.Globalization;
using System.IO;
using UrlLoading.Security;

namespace UrlLoading.Background;

/// <summary>
/// Where the daemon of this OS user listens and keeps its state. <c>URLSESSIOND_RUNTIME_DIR</c> and
/// <c>URLSESSIOND_STATE_DIR</c> override the defaults (<c>$XDG_RUNTIME_DIR/urlsessiond</c> or
/// <c>$TMPDIR/urlsessiond-$UID</c>; <c>$XDG_STATE_HOME/urlsessiond</c> or <c>~/.local/state/urlsessiond</c>). Whichever is
/// used, the runtime trusts the folder only when it is a folder of this user's with mode 0700 (see <see cref="DaemonConnector"/>).
/// </summary>
internal static class BackgroundPaths
{
    public const string SocketFileName = "urlsessiond.sock";

    public static string RuntimeFolder =>
        Environment.GetEnvironmentVariable("URLSESSIOND_RUNTIME_DIR") is { Length: > 0 } explicitFolder ? explicitFolder
        : Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime ? Path.Combine(runtime, "urlsessiond")
        : Path.Combine(Path.GetTempPath(), "urlsessiond-" + (OperatingSystem.IsWindows() ? Environment.UserName : PeerCredentials.EffectiveUserId.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The setting a user changes to move the runtime folder, named in errors.</summary>
    public const string RuntimeFolderSetting = "URLSESSIOND_RUNTIME_DIR";

    /// <summary>The setting a user changes to move the state folder, named in errors.</summary>
    public const string StateFolderSetting = "URLSESSIOND_STATE_DIR";

    /// <summary>Where the daemon puts finished downloads for the app to take: the only folder the runtime accepts a handed-over file from.</summary>
    public static string FinishedFolder => Path.Combine(StateFolder, "finished");

    public static string SocketPath => Path.Combine(RuntimeFolder, SocketFileName);

    public static string StateFolder =>
        Environment.GetEnvironmentVariable("URLSESSIOND_STATE_DIR") is { Length: > 0 } explicitFolder ? explicitFolder
        : Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } state ? Path.Combine(state, "urlsessiond")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "urlsessiond");

    /// <summary>The app identity the daemon files sessions under: <c>URLSESSION_APP_ID</c>, else the entry assembly's name.</summary>
    public static string AppIdentity =>
        Environment.GetEnvironmentVariable("URLSESSION_APP_ID") is { Length: > 0 } id ? id
        : System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "unknown-app";
}

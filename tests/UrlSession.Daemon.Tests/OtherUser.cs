using System.Diagnostics;
using System.Globalization;

namespace UrlLoading.Daemon.Tests;

/// <summary>
/// A second, unprivileged OS user to attack with: <c>urlsession-attacker</c>, created on first use when the tests run as
/// root (as CI does), and commands run as it with <c>setpriv</c>. Tests that need it skip, saying why, otherwise.
/// </summary>
internal static class OtherUser
{
    public const string Name = "urlsession-attacker";

    private static readonly Lazy<(uint Uid, uint Gid, string Name)?> s_user = new(Create);

    /// <summary>Why <see cref="Ensure"/> returns null on this machine, for <c>Assert.Skip</c>.</summary>
    public static string Unavailable =>
        $"Needs root, useradd and setpriv to attack as a second OS user ({Name}); running as {Environment.UserName}.";

    /// <summary>The attacker's uid, gid and name, creating the user when missing; null when not running as root.</summary>
    public static (uint Uid, uint Gid, string Name)? Ensure() => s_user.Value;

    /// <summary>Runs <paramref name="fileName"/> as the attacker (no supplementary groups) and returns its exit code and output.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string fileName, params string[] arguments)
    {
        var (uid, gid, _) = Ensure() ?? throw new InvalidOperationException(Unavailable);
        var start = new ProcessStartInfo("/usr/bin/setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { $"--reuid={uid}", $"--regid={gid}", "--clear-groups", fileName },
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }

    private static (uint Uid, uint Gid, string Name)? Create()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv") || !File.Exists("/usr/sbin/useradd"))
            return null;
        // Other test processes may create the user at the same moment: "already exists" (9) is success, and
        // "cannot lock /etc/passwd" (10) means one of them is writing it, so look again.
        for (int attempt = 0; Find() is null; attempt++)
        {
            int code = Run("/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", Name);
            if (code is 0 or 9)
                continue;
            if (code != 10 || attempt >= 50)
                throw new InvalidOperationException($"useradd {Name} failed with exit code {code}.");
            Thread.Sleep(100);
        }
        return Find();
    }

    private static (uint, uint, string)? Find()
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == Name)
                return (uint.Parse(fields[2], CultureInfo.InvariantCulture), uint.Parse(fields[3], CultureInfo.InvariantCulture), Name);
        }
        return null;
    }

    private static int Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}

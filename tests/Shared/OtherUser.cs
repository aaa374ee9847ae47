using System.Diagnostics;
using System.Globalization;

namespace UrlLoading.Tests;

/// <summary>
/// A second, unprivileged OS user for attack tests: created with useradd when the tests run as root (CI does), used
/// through setpriv. Tests that need it skip, saying why, when it cannot be had.
/// </summary>
internal static class OtherUser
{
    public const string Name = "urlsession-attacker";

    private static readonly Lazy<(uint Uid, uint Gid)?> s_account = new(Create);

    /// <summary>The attacker's uid and gid, or null when this machine cannot make one (see <see cref="SkipReason"/>).</summary>
    public static (uint Uid, uint Gid)? Account => s_account.Value;

    public static uint Uid => Account?.Uid ?? throw new InvalidOperationException(SkipReason);

    public static string SkipReason =>
        "Needs Linux, root, useradd and setpriv to create and act as a second OS user (" + Name + "); CI runs as root.";

    /// <summary>Skips the calling test, with the reason, when there is no second user.</summary>
    public static void RequireOrSkip()
    {
        if (Account is null)
            Assert.Skip(SkipReason);
    }

    /// <summary>Runs a command as the attacker to its end: exit code, standard output and standard error.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string fileName, params string[] arguments)
    {
        using var process = Start(fileName, arguments);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return (process.ExitCode, (await output).Trim(), (await error).Trim());
    }

    /// <summary>Runs a shell command line as the attacker.</summary>
    public static Task<(int Code, string Output, string Error)> ShellAsync(string commandLine) => RunAsync("/bin/sh", "-c", commandLine);

    /// <summary>Starts a command as the attacker (standard streams redirected); the caller ends it.</summary>
    public static Process Start(string fileName, params string[] arguments)
    {
        var (uid, gid) = Account ?? throw new InvalidOperationException(SkipReason);
        var start = new ProcessStartInfo("/usr/bin/setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in (string[])[$"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--", fileName, .. arguments])
            start.ArgumentList.Add(argument);
        start.Environment["HOME"] = "/";
        return Process.Start(start)!;
    }

    private static (uint, uint)? Create()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv") || !File.Exists("/usr/sbin/useradd"))
            return null;
        if (Id("-u") is null)
        {
            // Several test processes may race to create it: "already exists" (9) is as good as created.
            var (code, error) = Run("/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", Name);
            if (code is not (0 or 9))
                throw new InvalidOperationException($"useradd {Name} failed ({code}): {error}");
        }
        return Id("-u") is { } uid && Id("-g") is { } gid ? (uid, gid) : null;
    }

    private static uint? Id(string which)
    {
        var start = new ProcessStartInfo("id") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, ArgumentList = { which, Name } };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 ? uint.Parse(output, CultureInfo.InvariantCulture) : null;
    }

    private static (int Code, string Error) Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error.Trim());
    }
}

using System.Diagnostics;
using System.IO.Compression;
using System.Text;

[assembly: AssemblyFixture(typeof(UrlLoading.Package.Tests.PackedPackage))]

namespace UrlLoading.Package.Tests;

/// <summary>
/// Packs the UrlSession package once per test run into a private folder, with a private NuGet cache and a
/// nuget.config that lists only that folder, so consumers restore exactly the package under test, offline.
/// </summary>
public sealed class PackedPackage : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("urlsession-package-").FullName;

    public string Version { get; } = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";

    public string Feed => Path.Combine(Root, "feed");

    public string PackagePath => Path.Combine(Feed, $"UrlSession.{Version}.nupkg");

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
                    return dir.FullName;
            }
            throw new InvalidOperationException("Toolkit.sln not found above the test binaries.");
        }
    }

    public async ValueTask InitializeAsync()
    {
        var (code, output) = await RunAsync(RepositoryRoot, "dotnet", $"pack src/UrlSession.Runtime -c Release -o \"{Feed}\" -p:Version={Version}");
        Assert.True(code == 0, output);
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="under-test" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>Writes a consumer project under the package's folder and returns its directory.</summary>
    public string CreateConsumer(string name, string program, string extraProperties = "")
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="UrlSession" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), program);
        return dir;
    }

    public Task<(int Code, string Output)> DotnetAsync(string directory, string arguments) => RunAsync(directory, "dotnet", arguments);

    public IReadOnlyList<string> PackageEntries()
    {
        using var zip = ZipFile.OpenRead(PackagePath);
        return [.. zip.Entries.Select(e => e.FullName)];
    }

    public string Nuspec()
    {
        using var zip = ZipFile.OpenRead(PackagePath);
        using var reader = new StreamReader(zip.GetEntry("UrlSession.nuspec")!.Open());
        return reader.ReadToEnd();
    }

    private async Task<(int Code, string Output)> RunAsync(string directory, string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NUGET_PACKAGES"] = Path.Combine(Root, "packages");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A bound, not a speed check: a NativeAOT publish on a busy 2-core machine has taken over 5 minutes.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(timeout.Token);
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the folder is under the temp directory.
        }
        return default;
    }
}

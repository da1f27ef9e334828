namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>
/// A fresh console app, as a user would write one, for net8.0 (self-contained, so it runs on a real .NET 8 runtime)
/// and net10.0, that references the package from a local folder feed holding only the packed .nupkg, restored into
/// a packages folder of its own (the NuGet cache serves the package's dependencies, read-only). Its program calls the
/// library so that the library throws, and prints the stack trace the runtime builds from the embedded PDB.
/// </summary>
public sealed class ConsumerApp
{
    public const string ProjectName = "Consumer";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);

    private const string Program = """
        using Microsoft.Extensions.DependencyInjection;

        try
        {
            OAuthSecretsServiceCollectionExtensions.AddPayPulseOAuthSecrets(null!);
        }
        catch (ArgumentNullException exception)
        {
            Console.WriteLine(exception.StackTrace);
        }

        Console.WriteLine($"framework: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        """;

    private ConsumerApp(string directory, string buildLog, TimeSpan buildDuration)
    {
        Directory = directory;
        BuildLog = buildLog;
        BuildDuration = buildDuration;
    }

    public string Directory { get; }

    public string BuildLog { get; }

    public TimeSpan BuildDuration { get; }

    /// <summary>The folder the build put the app for <paramref name="targetFramework"/> in.</summary>
    public string OutputDirectory(string targetFramework)
    {
        var root = Path.Combine(Directory, "bin", "Release", targetFramework);
        return Path.GetDirectoryName(System.IO.Directory.GetFiles(root, ProjectName + ".dll", SearchOption.AllDirectories).Single())!;
    }

    /// <summary>Runs the app built for <paramref name="targetFramework"/> and returns what it printed.</summary>
    public async Task<string> RunAsync(string targetFramework)
    {
        var output = OutputDirectory(targetFramework);
        var result = targetFramework == "net8.0"
            ? await ProcessRunner.RunAsync(Path.Combine(output, ProjectName), output, [], TimeSpan.FromMinutes(1))
            : await ProcessRunner.RunAsync(ProcessRunner.DotnetExecutable, output, [Path.Combine(output, ProjectName + ".dll")], TimeSpan.FromMinutes(1));
        return result.EnsureSuccess().Output;
    }

    internal static async Task<ConsumerApp> BuildAsync(PackedRelease release)
    {
        var directory = Path.Combine(release.WorkDirectory, "consumer");
        System.IO.Directory.CreateDirectory(directory);
        var version = release.Metadata("version")!.Value;
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

        await File.WriteAllTextAsync(Path.Combine(directory, ProjectName + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFrameworks>net8.0;net10.0</TargetFrameworks>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NuGetAudit>false</NuGetAudit>
                <RestorePackagesPath>$(MSBuildThisFileDirectory)packages</RestorePackagesPath>
                <RestoreFallbackFolders>{globalPackages}</RestoreFallbackFolders>
              </PropertyGroup>
              <PropertyGroup Condition="'$(TargetFramework)' == 'net8.0'">
                <RuntimeIdentifier>$(NETCoreSdkRuntimeIdentifier)</RuntimeIdentifier>
                <SelfContained>true</SelfContained>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{PackedRelease.PackageId}" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(directory, "Program.cs"), Program);
        // The library comes from the local feed only; everything else (the library's dependencies, and the SDK's
        // runtime and app-host packs a self-contained net8.0 build needs) from this machine's own sources, so a
        // machine whose package cache lacks a pack still builds the app.
        var machineSources = await MachineSourcesAsync(directory);
        var sources = string.Concat(machineSources.Select((url, i) => $"""
                <add key="machine-{i}" value="{System.Security.SecurityElement.Escape(url)}" />
            """));
        var mappings = string.Concat(machineSources.Select((_, i) => $"""
                <packageSource key="machine-{i}"><package pattern="*" /></packageSource>
            """));
        await File.WriteAllTextAsync(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{release.PackOutputDirectory}" />
            {sources}
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="{PackedRelease.PackageId}" /></packageSource>
            {mappings}
              </packageSourceMapping>
            </configuration>
            """);

        var started = TimeProvider.System.GetTimestamp();
        var build = await ProcessRunner.RunBuildAsync(directory, ["build", "-c", "Release"], BuildTimeout);
        build.EnsureSuccess();
        return new ConsumerApp(directory, build.Output, TimeProvider.System.GetElapsedTime(started));
    }

    /// <summary>The package sources enabled on this machine (as <c>dotnet nuget list source</c> reports them).</summary>
    private static async Task<IReadOnlyList<string>> MachineSourcesAsync(string directory)
    {
        var listed = await ProcessRunner.RunAsync(
            ProcessRunner.DotnetExecutable, directory, ["nuget", "list", "source", "--format", "short"], TimeSpan.FromMinutes(1));
        return listed.ExitCode != 0
            ? []
            : [.. listed.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(line => line.StartsWith("E ", StringComparison.Ordinal))
                .Select(line => line[2..].Trim())];
    }
}

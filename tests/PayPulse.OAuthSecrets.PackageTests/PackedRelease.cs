using System.IO.Compression;
using System.Xml.Linq;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>
/// The release package built as a release is: the repository's HEAD cloned into a temporary folder, its origin set
/// to the RepositoryUrl of Directory.Build.props, then <c>dotnet pack -c Release -p:ContinuousIntegrationBuild=true</c>
/// of the library, offline (restore from the NuGet cache only). Built once for all the tests that read it.
/// </summary>
public sealed class PackedRelease : IAsyncLifetime
{
    public const string PackageId = "PayPulse.OAuthSecrets";
    public static readonly string[] TargetFrameworks = ["net8.0", "net10.0"];

    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(4);
    private readonly Dictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
    private Task<ConsumerApp>? _consumer;

    /// <summary>A temporary folder holding the clone, the pack output and anything built from the package.</summary>
    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), $"paypulse-package-{Guid.NewGuid():N}");

    public string RepositoryRoot { get; private set; } = "";

    public string RepositoryUrl { get; private set; } = "";

    public string Commit { get; private set; } = "";

    public GitRepository Clone { get; private set; } = null!;

    public string PackOutputDirectory => Path.Combine(WorkDirectory, "feed");

    public string PackagePath { get; private set; } = "";

    /// <summary>What <c>dotnet pack</c> printed.</summary>
    public string PackLog { get; private set; } = "";

    public TimeSpan PackDuration { get; private set; }

    public XElement NuspecMetadata { get; private set; } = null!;

    public IReadOnlyDictionary<string, byte[]> Entries => _entries;

    /// <summary>https://raw.githubusercontent.com/{owner}/{repo}/{commit}/, where SourceLink must send a debugger.</summary>
    public string RawContentPrefix
    {
        get
        {
            var path = new Uri(RepositoryUrl).AbsolutePath.Trim('/');
            if (path.EndsWith(".git", StringComparison.Ordinal))
            {
                path = path[..^4];
            }

            return $"https://raw.githubusercontent.com/{path}/{Commit}/";
        }
    }

    public async Task InitializeAsync()
    {
        RepositoryRoot = FindRepositoryRoot();
        RepositoryUrl = XDocument.Load(Path.Combine(RepositoryRoot, "Directory.Build.props"))
            .Descendants("RepositoryUrl").Single().Value.Trim();
        Commit = await new GitRepository(RepositoryRoot).RunAsync("rev-parse", "HEAD");

        Directory.CreateDirectory(WorkDirectory);
        // Nothing from the folders above the temporary one (a stray Directory.Build.* in /tmp) may reach these builds.
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            await File.WriteAllTextAsync(Path.Combine(WorkDirectory, file), "<Project />\n");
        }

        var cloneDirectory = Path.Combine(WorkDirectory, "repo");
        await new GitRepository(WorkDirectory).RunAsync("clone", "--quiet", "--no-checkout", RepositoryRoot, cloneDirectory);
        Clone = new GitRepository(cloneDirectory);
        await Clone.RunAsync("checkout", "--quiet", "--detach", Commit);
        await Clone.RunAsync("remote", "set-url", "origin", RepositoryUrl);

        var noFeed = Path.Combine(WorkDirectory, "no-feed");
        Directory.CreateDirectory(noFeed);
        var started = TimeProvider.System.GetTimestamp();
        var pack = await ProcessRunner.RunBuildAsync(
            cloneDirectory,
            [
                "pack", "src/PayPulse.OAuthSecrets/PayPulse.OAuthSecrets.csproj",
                "-c", "Release",
                "-p:ContinuousIntegrationBuild=true",
                "-o", PackOutputDirectory,
                // Offline: every package comes from the NuGet cache; no source and no audit is asked.
                $"-p:RestoreSources={noFeed}",
                "-p:NuGetAudit=false",
            ],
            PackTimeout);
        PackDuration = TimeProvider.System.GetElapsedTime(started);
        PackLog = pack.Output;
        pack.EnsureSuccess();

        PackagePath = Directory.GetFiles(PackOutputDirectory, "*.nupkg").Single();
        using var zip = ZipFile.OpenRead(PackagePath);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            _entries[entry.FullName] = copy.ToArray();
        }

        var nuspec = XDocument.Load(new MemoryStream(_entries[$"{PackageId}.nuspec"]));
        NuspecMetadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    /// <summary>The value of the nuspec metadata element <paramref name="name"/>, or <see langword="null"/>.</summary>
    public XElement? Metadata(string name) => NuspecMetadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);

    public byte[] LibraryAssembly(string targetFramework) => _entries[$"lib/{targetFramework}/{PackageId}.dll"];

    /// <summary>A console app for both target frameworks that references the package from a local folder feed; built once.</summary>
    public Task<ConsumerApp> ConsumerAsync() => _consumer ??= ConsumerApp.BuildAsync(this);

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PayPulse.OAuthSecrets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No PayPulse.OAuthSecrets.sln above {AppContext.BaseDirectory}.");
    }
}

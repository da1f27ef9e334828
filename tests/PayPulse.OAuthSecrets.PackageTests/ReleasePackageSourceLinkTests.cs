using System.Text.Json;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>
/// The PDB embedded in each packed <c>lib/&lt;tfm&gt;</c> DLL sends a debugger to the exact sources of the built commit:
/// a SourceLink map to raw.githubusercontent.com at that commit, deterministic <c>/_/</c> paths, and every document
/// either in git at that commit with the checksum the PDB records, or embedded.
/// </summary>
[Collection(PackedReleaseCollection.Name)]
public sealed class ReleasePackageSourceLinkTests(PackedRelease release)
{
    private const string DeterministicRoot = "/_/";

    public static TheoryData<string> TargetFrameworks => new(PackedRelease.TargetFrameworks);

    [Theory]
    [MemberData(nameof(TargetFrameworks))]
    public void LibraryDll_EmbedsPdbWithSourceLinkMapToTheBuiltCommit(string targetFramework)
    {
        var pdb = EmbeddedPdb.Read(release.LibraryAssembly(targetFramework));

        pdb.Should().NotBeNull("the PDB is embedded in the DLL");
        pdb!.SourceLinkJson.Should().NotBeNull("the PDB must carry a SourceLink map");
        var map = SourceLinkMap(pdb.SourceLinkJson!);
        map.Should().Equal(new Dictionary<string, string> { ["/_/*"] = release.RawContentPrefix + "*" });
    }

    [Theory]
    [MemberData(nameof(TargetFrameworks))]
    public void LibraryDll_DocumentPathsAreDeterministic(string targetFramework)
    {
        var pdb = EmbeddedPdb.Read(release.LibraryAssembly(targetFramework))!;

        pdb.Documents.Should().NotBeEmpty();
        pdb.Documents.Select(d => d.Path).Should().OnlyContain(
            path => path.StartsWith(DeterministicRoot, StringComparison.Ordinal),
            "a build with ContinuousIntegrationBuild=true maps the repository root to /_/ (no machine paths)");
    }

    [Theory]
    [MemberData(nameof(TargetFrameworks))]
    public async Task LibraryDll_EveryDocumentIsInGitAtTheBuiltCommitWithItsChecksumOrIsEmbedded(string targetFramework)
    {
        var pdb = EmbeddedPdb.Read(release.LibraryAssembly(targetFramework))!;
        var map = SourceLinkMap(pdb.SourceLinkJson ?? "{}");
        var relativePaths = pdb.Documents.Select(d => RelativePath(d.Path)).ToList();
        var blobs = await release.Clone.ReadBlobsAsync(release.Commit, relativePaths);

        var problems = new List<string>();
        foreach (var document in pdb.Documents)
        {
            var relative = RelativePath(document.Path);
            var blob = blobs[relative];
            if (document.IsEmbedded)
            {
                // Embedded are the files git does not know (generated ones): a tracked file is for SourceLink to serve.
                if (blob is not null)
                {
                    problems.Add($"{document.Path}: tracked in git but embedded instead of served by SourceLink");
                }

                continue;
            }

            var url = Map(map, document.Path);
            if (url != release.RawContentPrefix + relative)
            {
                problems.Add($"{document.Path}: SourceLink gives {url ?? "no URL"}");
            }
            else if (blob is null)
            {
                problems.Add($"{document.Path}: not in git at {release.Commit}, so its SourceLink URL does not exist");
            }
            else if (!document.HashMatches(blob))
            {
                problems.Add($"{document.Path}: the file in git at {release.Commit} is not the file that was compiled");
            }
        }

        problems.Should().BeEmpty();

        // And SourceLink really serves the library: every tracked C# file of it is a document served from git.
        var tracked = (await release.Clone.RunAsync("ls-tree", "-r", "--name-only", release.Commit, "src/PayPulse.OAuthSecrets/"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(path => path.EndsWith(".cs", StringComparison.Ordinal));
        var served = pdb.Documents.Where(d => !d.IsEmbedded).Select(d => RelativePath(d.Path));
        served.Should().BeEquivalentTo(tracked);
    }

    private static Dictionary<string, string> SourceLinkMap(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("documents", out var documents)
            ? documents.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
            : [];
    }

    /// <summary>The URL SourceLink gives for <paramref name="path"/>, as a debugger computes it.</summary>
    private static string? Map(Dictionary<string, string> map, string path)
    {
        foreach (var (key, value) in map.OrderByDescending(p => p.Key.Length))
        {
            if (key.EndsWith('*') && path.StartsWith(key[..^1], StringComparison.Ordinal))
            {
                return value.Replace("*", path[(key.Length - 1)..].Replace('\\', '/'), StringComparison.Ordinal);
            }

            if (key == path)
            {
                return value;
            }
        }

        return null;
    }

    private static string RelativePath(string documentPath) =>
        documentPath.StartsWith(DeterministicRoot, StringComparison.Ordinal) ? documentPath[DeterministicRoot.Length..] : documentPath.TrimStart('/');
}

using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>What the packed release carries besides its code: release notes, links, icon, readme, license, no symbols package.</summary>
[Collection(PackedReleaseCollection.Name)]
public sealed partial class ReleasePackageMetadataTests(PackedRelease release)
{
    private const string ProjectDirectory = "src/PayPulse.OAuthSecrets/";

    [Fact]
    public void Pack_IsWarningFree()
    {
        WarningPattern().Matches(release.PackLog).Select(m => m.Value).Should().BeEmpty();
    }

    [Fact]
    public void Pack_ProducesOnlyThePackage_WithThePdbsInsideTheDlls()
    {
        Directory.GetFiles(release.PackOutputDirectory).Select(Path.GetFileName)
            .Should().Equal($"{PackedRelease.PackageId}.{release.Metadata("version")!.Value}.nupkg");
        release.Entries.Keys.Where(k => k.StartsWith("lib/", StringComparison.Ordinal) && k.EndsWith(".dll", StringComparison.Ordinal))
            .Should().BeEquivalentTo(PackedRelease.TargetFrameworks.Select(tfm => $"lib/{tfm}/{PackedRelease.PackageId}.dll"));
        release.Entries.Keys.Should().NotContain(k => k.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ReleaseNotes_AreTheChangelogSectionOfThePackedVersion()
    {
        var changelog = (await BlobAsync(ProjectDirectory + "CHANGELOG.md"))!;
        var version = release.Metadata("version")!.Value;

        var section = ChangelogSection(Encoding.UTF8.GetString(changelog), version);

        section.Should().NotBeNullOrWhiteSpace($"CHANGELOG.md has a section for {version}");
        release.Metadata("releaseNotes")?.Value.ReplaceLineEndings("\n").Should().Be(section);
        release.Entries["CHANGELOG.md"].Should().Equal(changelog);
    }

    [Fact]
    public void ProjectUrlAndRepository_PointToTheRepositoryAtTheBuiltCommit()
    {
        release.Metadata("projectUrl")?.Value.Should().Be(release.RepositoryUrl);
        var repository = release.Metadata("repository");
        repository.Should().NotBeNull();
        repository!.Attribute("type")?.Value.Should().Be("git");
        repository.Attribute("url")?.Value.Should().Be(release.RepositoryUrl);
        repository.Attribute("commit")?.Value.Should().Be(release.Commit);
    }

    [Fact]
    public async Task Icon_IsASmallSquarePngInThePackage()
    {
        var icon = release.Metadata("icon")?.Value;

        icon.Should().Be("icon.png");
        var png = release.Entries[icon!];
        png.Should().Equal(await BlobAsync(ProjectDirectory + "icon.png"));
        png.AsSpan(0, 8).ToArray().Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A);
        Encoding.ASCII.GetString(png, 12, 4).Should().Be("IHDR");
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        (width, height).Should().Be((128, 128), "NuGet shows icons at 128×128");
        png.Length.Should().BeLessThan(1024 * 1024, "NuGet refuses icons over 1 MB");
    }

    [Fact]
    public async Task Readme_IsThePackageReadme()
    {
        release.Metadata("readme")?.Value.Should().Be("README.md");
        release.Entries["README.md"].Should().Equal(await BlobAsync(ProjectDirectory + "README.md"));
    }

    [Fact]
    public async Task License_IsTheMitExpressionOfTheLicenseFile()
    {
        var license = release.Metadata("license");

        license.Should().NotBeNull();
        license!.Attribute("type")?.Value.Should().Be("expression");
        license.Value.Should().Be("MIT");
        Encoding.UTF8.GetString((await BlobAsync("LICENSE"))!).Should().StartWith("MIT License");
    }

    /// <summary>The lines under "## [version]" up to the next "## " heading, trimmed; null when there is no such section.</summary>
    private static string? ChangelogSection(string changelog, string version)
    {
        var lines = changelog.ReplaceLineEndings("\n").Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith($"## [{version}]", StringComparison.Ordinal));
        if (start < 0)
        {
            return null;
        }

        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        return string.Join('\n', lines[(start + 1)..(end < 0 ? lines.Length : end)]).Trim();
    }

    private async Task<byte[]?> BlobAsync(string path) => (await release.Clone.ReadBlobsAsync(release.Commit, [path]))[path];

    [GeneratedRegex(@"\bwarning\s+[A-Z]+[0-9]+\b", RegexOptions.IgnoreCase)]
    private static partial Regex WarningPattern();
}

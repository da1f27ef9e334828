using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>
/// A user's app built from a local folder feed gets the package's DLL with its PDB inside, and the runtime resolves
/// the library's frames to /_/ paths and lines that SourceLink maps to the right lines of the built commit.
/// </summary>
[Collection(PackedReleaseCollection.Name)]
public sealed partial class ConsumerAppTests(PackedRelease release)
{
    public static TheoryData<string> TargetFrameworks => new(PackedRelease.TargetFrameworks);

    [Theory]
    [MemberData(nameof(TargetFrameworks))]
    public async Task ConsumerApp_FromLocalFeed_GetsThePackagedDllAndItsStackTracesPointIntoTheLibrarySources(string targetFramework)
    {
        var app = await release.ConsumerAsync();

        var copied = await File.ReadAllBytesAsync(Path.Combine(app.OutputDirectory(targetFramework), PackedRelease.PackageId + ".dll"));
        copied.Should().Equal(release.LibraryAssembly(targetFramework), $"the {targetFramework} app uses lib/{targetFramework} of the package");
        File.Exists(Path.Combine(app.OutputDirectory(targetFramework), PackedRelease.PackageId + ".pdb")).Should().BeFalse("the PDB is inside the DLL");

        var output = await app.RunAsync(targetFramework);

        output.Should().Contain(targetFramework == "net8.0" ? ".NET 8." : ".NET 10.");
        var frame = LibraryFrame().Match(output);
        frame.Success.Should().BeTrue($"the library's frame carries a file and line from the embedded PDB:\n{output}");
        var path = frame.Groups["path"].Value;
        var line = int.Parse(frame.Groups["line"].Value, CultureInfo.InvariantCulture);
        path.Should().StartWith("/_/src/PayPulse.OAuthSecrets/");

        var source = (await release.Clone.ReadBlobsAsync(release.Commit, [path["/_/".Length..]]))[path["/_/".Length..]];
        source.Should().NotBeNull($"{path} is in git at {release.Commit}");
        var lines = Encoding.UTF8.GetString(source!).ReplaceLineEndings("\n").Split('\n');
        lines[line - 1].Should().Contain("ArgumentNullException.ThrowIfNull(services)", "the debugger lands on the line that threw");
    }

    [GeneratedRegex(@"at Microsoft\.Extensions\.DependencyInjection\.OAuthSecretsServiceCollectionExtensions\.AddPayPulseOAuthSecrets\(IServiceCollection services\) in (?<path>\S+):line (?<line>\d+)")]
    private static partial Regex LibraryFrame();
}

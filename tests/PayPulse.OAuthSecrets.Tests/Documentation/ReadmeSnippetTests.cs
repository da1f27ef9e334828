namespace PayPulse.OAuthSecrets.Tests.Documentation;

public sealed class ReadmeSnippetTests
{
    private static readonly string[] Readmes = ["README.md", "src/PayPulse.OAuthSecrets/README.md"];

    // The folders whose C# files may hold '#region snippet:NAME' blocks.
    private static readonly string[] SnippetSourceFolders = ["samples", "tests/PayPulse.OAuthSecrets.Tests"];

    [Fact]
    public void Readmes_EveryCSharpSnippet_IsItsCompiledSource()
    {
        var root = RepositoryFiles.Root;
        var documents = Readmes.Select(path => (path, File.ReadAllText(Path.Combine(root, path)))).ToList();
        var sources = SnippetSourceFolders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !IsBuildOutput(path))
            .Select(path => (Path.GetRelativePath(root, path), File.ReadAllText(path)))
            .ToList();

        documents.Should().OnlyContain(d => d.Item2.Contains("```csharp", StringComparison.Ordinal), "both READMEs show C# code");
        ReadmeSnippets.Check(documents, sources).Should().BeEmpty();
    }

    [Fact]
    public void Check_SameCodeIndentedOtherwise_Agrees()
    {
        var readme = Document("<!-- snippet: demo -->", "```csharp", "var x  =  1;", "", "Use(x);", "```");
        var source = Source("    #region snippet:demo", "        var x = 1;", "        Use(x);", "    #endregion");

        ReadmeSnippets.Check([readme], [source]).Should().BeEmpty();
    }

    [Fact]
    public void Check_ChangedSnippet_IsReported()
    {
        var readme = Document("<!-- snippet: demo -->", "```csharp", "var x = 2;", "Use(x);", "```");
        var source = Source("#region snippet:demo", "var x = 1;", "Use(x);", "#endregion");

        ReadmeSnippets.Check([readme], [source]).Should().ContainSingle()
            .Which.Should().Contain("README.md:2: snippet 'demo' differs from Demo.cs:1").And.Contain("var x = 2;").And.Contain("var x = 1;");
    }

    [Fact]
    public void Check_SnippetWithALineMore_IsReported()
    {
        var readme = Document("<!-- snippet: demo -->", "```csharp", "var x = 1;", "Use(x);", "Use(x);", "```");
        var source = Source("#region snippet:demo", "var x = 1;", "Use(x);", "#endregion");

        ReadmeSnippets.Check([readme], [source]).Should().ContainSingle().Which.Should().Contain("(end of region)");
    }

    [Fact]
    public void Check_CSharpFenceWithoutMarker_IsReported()
    {
        var readme = Document("Some text", "```csharp", "var x = 1;", "```", "```bash", "dotnet test", "```");

        ReadmeSnippets.Check([readme], []).Should().ContainSingle()
            .Which.Should().Contain("README.md:2").And.Contain("no compiled code backs it");
    }

    [Fact]
    public void Check_MarkerWithoutCompiledSource_IsReported()
    {
        var readme = Document("<!-- snippet: missing -->", "```csharp", "var x = 1;", "```");

        ReadmeSnippets.Check([readme], []).Should().ContainSingle().Which.Should().Contain("snippet 'missing' is in no compiled source");
    }

    [Fact]
    public void Check_RegionShownNowhere_IsReported()
    {
        var source = Source("#region snippet:orphan", "var x = 1;", "#endregion");

        ReadmeSnippets.Check([Document("No code here.")], [source]).Should().ContainSingle()
            .Which.Should().Contain("snippet 'orphan' is shown in no document");
    }

    [Fact]
    public void Check_DuplicateOrUnclosedRegion_IsReported()
    {
        var readme = Document("<!-- snippet: demo -->", "```csharp", "var x = 1;", "```");
        var first = Source("#region snippet:demo", "var x = 1;", "#endregion");
        var second = ("Other.cs", string.Join('\n', "#region snippet:demo", "var x = 1;", "#endregion", "#region snippet:open", "var y = 2;"));

        var problems = ReadmeSnippets.Check([readme], [first, second]);

        problems.Should().Contain(p => p.Contains("Other.cs:1: snippet 'demo' is also defined at Demo.cs:1", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("Other.cs:4: snippet 'open' has no #endregion", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_MarkerBeforeAnotherKindOfFence_IsReported()
    {
        var readme = Document("<!-- snippet: demo -->", "```json", "{}", "```");

        ReadmeSnippets.Check([readme], []).Should().ContainSingle()
            .Which.Should().Contain("snippet marker 'demo' is not followed by a csharp fence");
    }

    private static (string, string) Document(params string[] lines) => ("README.md", string.Join('\n', lines));

    private static (string, string) Source(params string[] lines) => ("Demo.cs", string.Join('\n', lines));

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");
}

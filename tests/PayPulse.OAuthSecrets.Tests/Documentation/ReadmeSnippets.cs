using System.Text.RegularExpressions;

namespace PayPulse.OAuthSecrets.Tests.Documentation;

/// <summary>
/// Checks that each C# fence of a README is a copy of compiled code: the fence follows a line
/// <c>&lt;!-- snippet: NAME --&gt;</c>, and a source file holds the same code, whitespace aside, between
/// <c>#region snippet:NAME</c> and <c>#endregion</c>.
/// </summary>
internal static partial class ReadmeSnippets
{
    private static readonly string[] CSharpInfoStrings = ["csharp", "cs", "c#"];

    /// <summary>Lists every way <paramref name="documents"/> and <paramref name="sources"/> disagree; empty when they agree.</summary>
    /// <param name="documents">Markdown documents by display name.</param>
    /// <param name="sources">C# sources by display name.</param>
    public static IReadOnlyList<string> Check(IEnumerable<(string Name, string Text)> documents, IEnumerable<(string Name, string Text)> sources)
    {
        var problems = new List<string>();
        var regions = new Dictionary<string, Region>(StringComparer.Ordinal);
        foreach (var (name, text) in sources)
        {
            foreach (var region in ReadRegions(name, text, problems))
            {
                if (!regions.TryAdd(region.Name, region))
                {
                    problems.Add($"{region.Source}:{region.Line}: snippet '{region.Name}' is also defined at {regions[region.Name].Source}:{regions[region.Name].Line}");
                }
            }
        }

        var shown = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, text) in documents)
        {
            foreach (var fence in ReadFences(name, text, problems))
            {
                if (fence.Name is null)
                {
                    problems.Add($"{fence.Document}:{fence.Line}: this csharp fence has no '<!-- snippet: NAME -->' line right before it, so no compiled code backs it");
                    continue;
                }

                shown.Add(fence.Name);
                if (!regions.TryGetValue(fence.Name, out var region))
                {
                    problems.Add($"{fence.Document}:{fence.Line}: snippet '{fence.Name}' is in no compiled source ('#region snippet:{fence.Name}')");
                    continue;
                }

                if (FirstDifference(Normalize(fence.Code), Normalize(region.Code)) is { } difference)
                {
                    problems.Add($"{fence.Document}:{fence.Line}: snippet '{fence.Name}' differs from {region.Source}:{region.Line}: {difference}");
                }
            }
        }

        foreach (var region in regions.Values.Where(r => !shown.Contains(r.Name)))
        {
            problems.Add($"{region.Source}:{region.Line}: snippet '{region.Name}' is shown in no document");
        }

        return problems;
    }

    /// <summary>The code's lines with runs of whitespace made one space, trimmed, and empty lines left out.</summary>
    public static IReadOnlyList<string> Normalize(string code) =>
        [.. code.Split('\n')
            .Select(line => Whitespace().Replace(line, " ").Trim())
            .Where(line => line.Length > 0)];

    private static string? FirstDifference(IReadOnlyList<string> readme, IReadOnlyList<string> compiled)
    {
        for (var i = 0; i < Math.Max(readme.Count, compiled.Count); i++)
        {
            var left = i < readme.Count ? readme[i] : "(end of snippet)";
            var right = i < compiled.Count ? compiled[i] : "(end of region)";
            if (!string.Equals(left, right, StringComparison.Ordinal))
            {
                return $"line {i + 1} of the code reads \"{left}\" in the document and \"{right}\" in the source";
            }
        }

        return null;
    }

    private static List<Fence> ReadFences(string document, string markdown, List<string> problems)
    {
        var fences = new List<Fence>();
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var marker = Marker().Match(lines[i]);
            var opensCSharpFence = i + 1 < lines.Length && IsCSharpFence(lines[i + 1]);
            if (marker.Success && !opensCSharpFence)
            {
                problems.Add($"{document}:{i + 1}: snippet marker '{marker.Groups["name"].Value}' is not followed by a csharp fence");
            }

            if (!lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var start = i;
            var isCSharp = IsCSharpFence(lines[i]);
            var name = start > 0 && Marker().Match(lines[start - 1]) is { Success: true } m ? m.Groups["name"].Value : null;
            for (i++; i < lines.Length && !string.Equals(lines[i].Trim(), "```", StringComparison.Ordinal); i++)
            {
            }

            if (i >= lines.Length)
            {
                problems.Add($"{document}:{start + 1}: this fence is never closed");
            }

            if (isCSharp)
            {
                fences.Add(new Fence(document, start + 1, name, string.Join('\n', lines[(start + 1)..Math.Min(i, lines.Length)])));
            }
        }

        return fences;
    }

    private static bool IsCSharpFence(string line)
    {
        var trimmed = line.Trim();
        return trimmed.StartsWith("```", StringComparison.Ordinal)
            && CSharpInfoStrings.Contains(trimmed[3..].Trim(), StringComparer.OrdinalIgnoreCase);
    }

    private static List<Region> ReadRegions(string source, string text, List<string> problems)
    {
        var regions = new List<Region>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var start = RegionStart().Match(lines[i]);
            if (!start.Success)
            {
                continue;
            }

            var end = Array.FindIndex(lines, i + 1, line => RegionEnd().IsMatch(line));
            if (end < 0)
            {
                problems.Add($"{source}:{i + 1}: snippet '{start.Groups["name"].Value}' has no #endregion");
                break;
            }

            regions.Add(new Region(source, i + 1, start.Groups["name"].Value, string.Join('\n', lines[(i + 1)..end])));
            i = end;
        }

        return regions;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*(?<name>[A-Za-z0-9_.-]+)\s*-->\s*$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^\s*#region\s+snippet:(?<name>[A-Za-z0-9_.-]+)\s*$")]
    private static partial Regex RegionStart();

    [GeneratedRegex(@"^\s*#endregion\b")]
    private static partial Regex RegionEnd();

    private sealed record Fence(string Document, int Line, string? Name, string Code);

    private sealed record Region(string Source, int Line, string Name, string Code);
}

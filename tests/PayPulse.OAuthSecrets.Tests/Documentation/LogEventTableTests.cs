using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using PayPulse.OAuthSecrets.Internal;

namespace PayPulse.OAuthSecrets.Tests.Documentation;

public sealed partial class LogEventTableTests
{
    [Theory]
    [InlineData("README.md")]
    [InlineData("src/PayPulse.OAuthSecrets/README.md")]
    public void Readme_LogTable_ListsEveryEventWithItsIdNameAndLevel(string readme)
    {
        var events = typeof(Log).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(a => $"{a.EventId} {a.EventName} {a.Level}")
            .OrderBy(e => e, StringComparer.Ordinal)
            .ToList();
        var text = File.ReadAllText(Path.Combine(RepositoryFiles.Root, readme));
        var rows = Row().Matches(text)
            .Select(m => $"{m.Groups["id"].Value} {m.Groups["name"].Value} {m.Groups["level"].Value}")
            .OrderBy(e => e, StringComparer.Ordinal)
            .ToList();

        events.Should().Contain("3002 InProcessSecretStoreInUse Warning");
        rows.Should().Equal(events);
    }

    [GeneratedRegex(@"^\| (?<id>\d{4}) \| `(?<name>[A-Za-z]+)` \| (?<level>[A-Za-z]+) \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}

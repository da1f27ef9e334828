using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Maintenance;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// samples/PayPulse.OAuthSecrets.MaintenanceSweep run as a real process: on its in-process default and against moto
/// with <c>--seed</c>. The expected counts come from the population the sample says it seeded (one line, kind by kind),
/// mapped to the sweep's classes and actions by the rules of <c>IOAuthTokenMaintenance</c>; the moto run is checked on
/// the service as well (what is left, and a second sweep of the same users).
/// </summary>
[Collection(MotoCollection.Name)]
public sealed partial class MaintenanceSweepSampleTests : IAsyncLifetime
{
    private const string AllActions = "--keep-alive --delete-revoked --delete-abandoned";

    private static readonly string _sample = SampleProcess.Locate("MaintenanceSweepSample");

    private readonly MotoFixture _moto;
    private readonly string _prefix = TokenStoreHost.UniquePrefix();
    private readonly HttpClient _http = TestSecretsManagerClients.CreateHttpClient();
    private readonly SecretsManagerClient _raw;

    public MaintenanceSweepSampleTests(MotoFixture moto)
    {
        _moto = moto;
        _raw = TestSecretsManagerClients.Create(_http, moto.ServiceUrl, TestSecretsManagerClients.DummyCredentials);
    }

    private static Dictionary<string, string> MotoEnvironment => new(StringComparer.Ordinal)
    {
        ["AWS_ACCESS_KEY_ID"] = "AKIDTEST",
        ["AWS_SECRET_ACCESS_KEY"] = "secret",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var name in await ListAsync(_prefix))
        {
            await _raw.DeleteSecretAsync(name);
        }

        _http.Dispose();
    }

    [Fact]
    public async Task InProcessDefault_AllActions_ReportMatchesTheSeededPopulation()
    {
        var (exitCode, run) = await SampleProcess.RunAsync(_sample, Args($"{AllActions} --max-writes-per-second 50"));
        using var process = run;

        exitCode.Should().Be(0, process.Describe());
        var seeded = Seeded(process);
        seeded.Values.Should().AllSatisfy(n => n.Should().BePositive(), "the default population has users in every state");
        var report = Report(process);
        report.Should().BeEquivalentTo(ExpectedAfterAllActions(seeded), process.Describe());
        process.Output.Should().Contain(l => l.TrimStart().StartsWith("Monthly savings", StringComparison.Ordinal) &&
            l.Contains(((seeded["revoked"] + seeded["abandoned"]) * 0.40m).ToString("0.00", CultureInfo.InvariantCulture), StringComparison.Ordinal));
        NoTokenPrinted(process);
    }

    [Fact]
    public async Task InProcessDefault_DryRun_CountsWhatWouldBeDoneAndChangesNothing()
    {
        var (exitCode, run) = await SampleProcess.RunAsync(_sample, Args($"--dry-run {AllActions} --seed 60"));
        using var process = run;

        exitCode.Should().Be(0, process.Describe());
        var seeded = Seeded(process);
        seeded.Values.Sum().Should().Be(60);
        Report(process).Should().BeEquivalentTo(
            Classes(seeded) with
            {
                // A dry run cannot tell a revoked grant from an idle one: both would be refreshed.
                KeptAlive = seeded["idle"] + seeded["revoked"],
                DeletedAbandoned = seeded["abandoned"],
            },
            process.Describe());
        process.Output.Should().Contain(l => l.StartsWith("Report (dry run", StringComparison.Ordinal));
        NoTokenPrinted(process);
    }

    [Fact]
    public async Task InProcess_CtrlC_StopsGracefullyWithThePartialProgressAndExitCode130()
    {
        // One write a second: the sweep is still at work when interrupted.
        using var process = SampleProcess.Start(_sample, Args($"{AllActions} --max-writes-per-second 1 --seed 200"));
        await Eventually.WaitUntilAsync(
            () => process.Output.Any(l => ProgressLine().Match(l) is { Success: true } m && int.Parse(m.Groups["scanned"].Value, CultureInfo.InvariantCulture) > 0),
            "the sample reports progress",
            TimeSpan.FromSeconds(15));

        await process.InterruptAsync();
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(15));

        exitCode.Should().Be(130, process.Describe());
        process.Output.Should().Contain(l => l.StartsWith("Cancelled", StringComparison.Ordinal), process.Describe());
        process.Output.Should().NotContain(l => l.StartsWith("Report", StringComparison.Ordinal), "a cancelled sweep has no report");
        var last = ProgressLine().Match(process.Output.Last(l => ProgressLine().IsMatch(l)));
        int.Parse(last.Groups["scanned"].Value, CultureInfo.InvariantCulture).Should().BeLessThan(200, "the sweep stopped before the end");
        NoTokenPrinted(process);
    }

    [Fact]
    public async Task Moto_Seed_SweepsOnlyTheSeededUsers_AndASecondRunFindsNothingLeftToDo()
    {
        // A user of the same prefix that the demo must not touch: idle for 60 days, so any keep-alive would rewrite it.
        var outsider = _prefix + "real-user";
        var outsiderValue = IdleBundle(DateTimeOffset.UtcNow.AddDays(-60));
        await _raw.CreateSecretAsync(new NewSecret(outsider, outsiderValue), Guid.NewGuid().ToString());
        var service = new[]
        {
            "--PayPulse:OAuthSecrets:UseInProcessSecretStore=false",
            $"--PayPulse:OAuthSecrets:Region={_moto.Region}",
            $"--PayPulse:OAuthSecrets:ServiceUrl={_moto.ServiceUrl}",
            $"--PayPulse:OAuthSecrets:SecretNamePrefix={_prefix}",
        };

        var (exitCode, run) = await SampleProcess.RunAsync(_sample, [.. service, .. Args($"--seed 100 {AllActions} --max-writes-per-second 50")], MotoEnvironment);
        using var first = run;

        exitCode.Should().Be(0, first.Describe());
        var seeded = Seeded(first);
        seeded.Values.Sum().Should().Be(100);
        Report(first).Should().BeEquivalentTo(ExpectedAfterAllActions(seeded), first.Describe());
        NoTokenPrinted(first);

        // What is left on the service: every demo user but the deleted ones; the outsider as it was.
        var demoPrefix = first.Output.Select(l => HintLine().Match(l)).Single(m => m.Success).Groups["prefix"].Value;
        demoPrefix.Should().StartWith(_prefix).And.NotBe(_prefix);
        (await ListAsync(demoPrefix)).Should().HaveCount(100 - seeded["revoked"] - seeded["abandoned"]);
        (await _raw.GetSecretValueAsync(outsider)).SecretString.Should().Be(outsiderValue);

        // The same users again: the idle ones were refreshed (now valid), the deleted ones are gone, nothing is left to do.
        (exitCode, run) = await SampleProcess.RunAsync(
            _sample, [.. service[..3], $"--PayPulse:OAuthSecrets:SecretNamePrefix={demoPrefix}", "--google-stand-in", .. Args(AllActions)], MotoEnvironment);
        using var second = run;

        exitCode.Should().Be(0, second.Describe());
        second.Output.Should().NotContain(l => l.StartsWith("Seeded", StringComparison.Ordinal), "no seed was asked for");
        Report(second).Should().BeEquivalentTo(
            new OAuthTokenSweepReport
            {
                Scanned = 100 - seeded["revoked"] - seeded["abandoned"],
                Valid = seeded["valid"] + seeded["idle"],
                Expiring = seeded["expiring"],
                Expired = seeded["expired"],
                WithoutRefreshToken = seeded["no-refresh-token"],
                Malformed = seeded["malformed"],
            },
            second.Describe());
        (await _raw.GetSecretValueAsync(outsider)).SecretString.Should().Be(outsiderValue);
    }

    private static string[] Args(string switches) => switches.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The classes of a freshly seeded population, before any action (see the sample's DemoUserKind).</summary>
    private static OAuthTokenSweepReport Classes(Dictionary<string, int> seeded) => new()
    {
        Scanned = seeded.Values.Sum(),
        Valid = seeded["valid"],
        Expiring = seeded["expiring"],

        // Idle and revoked grants last got an access token 40+ days ago: expired too.
        Expired = seeded["expired"] + seeded["idle"] + seeded["revoked"],
        WithoutRefreshToken = seeded["no-refresh-token"] + seeded["abandoned"],
        Malformed = seeded["malformed"],
    };

    private static OAuthTokenSweepReport ExpectedAfterAllActions(Dictionary<string, int> seeded) => Classes(seeded) with
    {
        Revoked = seeded["revoked"],
        KeptAlive = seeded["idle"],
        DeletedRevoked = seeded["revoked"],
        DeletedAbandoned = seeded["abandoned"],
    };

    /// <summary>The sample's "Seeded N demo users under P in T s: valid 80, expiring 20, …." line, kind by kind.</summary>
    private static Dictionary<string, int> Seeded(SampleProcess process)
    {
        var line = process.Output.SingleOrDefault(l => l.StartsWith("Seeded ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("No 'Seeded' line:" + Environment.NewLine + process.Describe());
        return line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..].TrimEnd('.').Split(", ")
            .Select(pair => pair.Split(' '))
            .ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    /// <summary>The report's counts, read from its "  Label   N" lines.</summary>
    private static OAuthTokenSweepReport Report(SampleProcess process)
    {
        var lines = process.Output.Select(l => ReportLine().Match(l)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["label"].Value, m => int.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture), StringComparer.Ordinal);
        int Get(string label) => lines.TryGetValue(label, out var value)
            ? value
            : throw new InvalidOperationException($"No '{label}' line in the report:{Environment.NewLine}{process.Describe()}");
        return new OAuthTokenSweepReport
        {
            Scanned = Get("Scanned"),
            Valid = Get("Valid"),
            Expiring = Get("Expiring"),
            Expired = Get("Expired"),
            WithoutRefreshToken = Get("Without refresh token"),
            Malformed = Get("Malformed"),
            Revoked = Get("Revoked"),
            KeptAlive = Get("Kept alive"),
            DeletedRevoked = Get("Deleted (revoked)"),
            DeletedAbandoned = Get("Deleted (abandoned)"),
            Failed = Get("Failed"),
        };
    }

    /// <summary>The demo tokens start with ya29. and 1//, as Google's do; none may show in any output.</summary>
    private static void NoTokenPrinted(SampleProcess process)
    {
        var everything = process.Describe();
        everything.Should().NotContain("ya29.").And.NotContain("1//");
    }

    private static string IdleBundle(DateTimeOffset createdAt) => new JsonObject
    {
        ["access_token"] = "ya29.outsider",
        ["refresh_token"] = "1//outsider",
        ["expires_at"] = createdAt.AddHours(1).UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture),
        ["created_at"] = createdAt.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture),
    }.ToJsonString();

    private async Task<List<string>> ListAsync(string prefix)
    {
        var names = new List<string>();
        string? next = null;
        do
        {
            var page = await _raw.ListSecretsAsync(prefix, next);
            names.AddRange(page.Names);
            next = page.NextToken;
        }
        while (next is not null);

        return names;
    }

    [GeneratedRegex(@"^  (?<label>[A-Za-z][A-Za-z ()]*?)\s+(?<value>\d+)$")]
    private static partial Regex ReportLine();

    [GeneratedRegex(@"^Progress: (?<scanned>\d+) scanned, (?<actions>\d+) actions")]
    private static partial Regex ProgressLine();

    [GeneratedRegex(@"--PayPulse:OAuthSecrets:SecretNamePrefix=(?<prefix>\S+) --google-stand-in")]
    private static partial Regex HintLine();
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PayPulse.OAuthSecrets.Internal.Maintenance;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Maintenance;
using PayPulse.OAuthSecrets.Tests.Gmail;

namespace PayPulse.OAuthSecrets.Tests.Maintenance;

public sealed class OAuthTokenMaintenanceTests : IDisposable
{
    private const string Prefix = "gmail/user/";
    private const string Revoked = "revoked";

    private readonly GmailTestHost _host = new();
    private readonly Dictionary<string, string> _kinds = new(StringComparer.Ordinal);
    private readonly List<string> _secretValues = [];
    private readonly List<string> _seededTokens = [];

    public OAuthTokenMaintenanceTests()
    {
        // Google refreshes every grant with a new access token, except revoked ones.
        var issued = 0;
        _host.TokenEndpoint.Always(request =>
        {
            var refreshToken = GmailTestHost.Form(request)["refresh_token"];
            if (refreshToken.Contains(Revoked, StringComparison.Ordinal))
            {
                return ScriptedHttpHandler.Response(
                    HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}""");
            }

            var token = "ya29.kept-alive-" + Interlocked.Increment(ref issued);
            lock (_secretValues)
            {
                _secretValues.Add(token);
            }

            return ScriptedHttpHandler.Response(HttpStatusCode.OK, GmailTestHost.TokenJson(token));
        });
        _host.Build();
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Sweep_CountsEachSecretInExactlyOneClass_ByWhatIsStored_AndChangesNothingWithNoActionOn()
    {
        var seeded = SeedPopulation(scale: 30);
        var before = Snapshot();

        var report = await Sweep(new OAuthTokenSweepOptions());

        report.Should().BeEquivalentTo(
            new
            {
                Scanned = seeded.Count,
                Valid = seeded.Count("valid"),
                Expiring = seeded.Count("expiring"),
                Expired = seeded.Count("expired") + seeded.Count("stale") + seeded.Count("stale-revoked"),
                WithoutRefreshToken = seeded.Count("no-refresh-recent") + seeded.Count("abandoned"),
                Malformed = seeded.Count("malformed"),
                Revoked = 0,
                KeptAlive = 0,
                Deleted = 0,
                Failed = 0,
                MonthlySavings = 0m,
                DryRun = false,
            },
            o => o.ExcludingMissingMembers());
        (report.Valid + report.Expiring + report.Expired + report.WithoutRefreshToken + report.Malformed).Should().Be(report.Scanned);
        Snapshot().Should().Equal(before);
        WriteCount().Should().Be(0);
        _host.TokenEndpoint.Requests.Should().BeEmpty();
        _host.Calls["List"].Should().Be(3, "over 200 secrets take three pages of 100");
    }

    [Fact]
    public async Task DryRun_ReportsWhatARealRunThenDoes_AndChangesNothing()
    {
        var seeded = SeedPopulation(scale: 4);
        var before = Snapshot();
        var everything = AllActions();
        everything.DryRun = true;

        var dry = await Sweep(everything);

        Snapshot().Should().Equal(before, "a dry run writes nothing");
        WriteCount().Should().Be(0);
        _host.TokenEndpoint.Requests.Should().BeEmpty("a dry run asks Google nothing");
        dry.DryRun.Should().BeTrue();
        dry.KeptAlive.Should().Be(seeded.Count("stale") + seeded.Count("stale-revoked"));
        dry.DeletedAbandoned.Should().Be(seeded.Count("abandoned"));
        dry.Revoked.Should().Be(0, "only a refresh can tell");

        var real = await Sweep(AllActions());

        real.KeptAlive.Should().Be(seeded.Count("stale"));
        real.Revoked.Should().Be(seeded.Count("stale-revoked"));
        (real.KeptAlive + real.Revoked).Should().Be(dry.KeptAlive, "every keep-alive the dry run predicted was tried");
        real.DeletedAbandoned.Should().Be(dry.DeletedAbandoned);
        real.MonthlySavings.Should().Be((seeded.Count("stale-revoked") + seeded.Count("abandoned")) * 0.40m);
    }

    [Fact]
    public async Task KeepAlive_RefreshesStaleGrants_ThroughTheConditionalWriteBack_AndASecondRunDoesNothing()
    {
        var seeded = SeedPopulation(scale: 3);
        var before = Snapshot();

        var report = await Sweep(new OAuthTokenSweepOptions { MaxWritesPerSecond = 50, KeepAlive = true });

        report.KeptAlive.Should().Be(seeded.Count("stale"));
        report.Revoked.Should().Be(seeded.Count("stale-revoked"));
        report.Deleted.Should().Be(0, "DeleteRevoked is off");
        var now = _host.Time.GetUtcNow();
        foreach (var (userId, kind) in seeded)
        {
            if (kind == "stale")
            {
                var stored = await _host.Store.GetAsync(userId);
                stored!.AccessToken.Should().StartWith("ya29.kept-alive-");
                stored.RefreshToken.Should().Be("1//refresh-" + userId, "Google did not rotate it");
                stored.CreatedAt.Should().BeCloseTo(now, TimeSpan.FromSeconds(1));
                stored.GoogleUser!.Email.Should().Be("alice@example.com");
            }
            else
            {
                _host.Secrets.GetSecretString(Prefix + userId).Should().Be(before[Prefix + userId], $"a {kind} secret is not kept alive");
            }
        }

        // Each keep-alive is a conditional write: a put under the pending label and a stage move.
        _host.Calls["Put"].Should().Be(seeded.Count("stale"));
        _host.Calls["UpdateStage"].Should().Be(seeded.Count("stale"));
        _host.Calls["Delete"].Should().Be(0);

        _host.Calls.Reset();
        var second = await Sweep(new OAuthTokenSweepOptions { MaxWritesPerSecond = 50, KeepAlive = true });
        second.KeptAlive.Should().Be(0, "every grant kept alive was written just now");
        _host.Calls["Put"].Should().Be(0);
    }

    [Fact]
    public async Task DeleteRevoked_DeletesTheSecretOfAGrantGoogleRefused_AndOnlyThen()
    {
        var seeded = SeedPopulation(scale: 2);

        var report = await Sweep(new OAuthTokenSweepOptions { MaxWritesPerSecond = 50, KeepAlive = true, DeleteRevoked = true });

        report.Revoked.Should().Be(seeded.Count("stale-revoked"));
        report.DeletedRevoked.Should().Be(seeded.Count("stale-revoked"));
        report.DeletedAbandoned.Should().Be(0);
        report.MonthlySavings.Should().Be(report.DeletedRevoked * 0.40m);
        foreach (var (userId, kind) in seeded)
        {
            _host.Secrets.GetSecretString(Prefix + userId).Should().Match(
                value => (value == null) == (kind == "stale-revoked"), $"only revoked grants are deleted ({kind})");
        }
    }

    [Fact]
    public async Task DeleteAbandoned_DeletesOldSecretsWithoutRefreshToken_ButNotRecentOnes()
    {
        var seeded = SeedPopulation(scale: 3);

        var report = await Sweep(new OAuthTokenSweepOptions { MaxWritesPerSecond = 50, DeleteAbandoned = true, MonthlyPricePerSecret = 0.45m });

        report.DeletedAbandoned.Should().Be(seeded.Count("abandoned"));
        report.MonthlySavings.Should().Be(seeded.Count("abandoned") * 0.45m);
        foreach (var (userId, kind) in seeded)
        {
            _host.Secrets.GetSecretString(Prefix + userId).Should().Match(
                value => (value == null) == (kind == "abandoned"), $"only abandoned secrets are deleted ({kind})");
        }

        _host.TokenEndpoint.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAbandoned_AReconnectAfterTheSweepReadTheSecret_IsNeverDeleted()
    {
        // Invariant: a secret written after the sweep judged it is not deleted on that judgement.
        _host.Seed("leaver", TimeSpan.FromHours(-24 * 40), refreshToken: null);
        var reads = 0;
        _host.Calls.AfterGet = name =>
        {
            if (name == Prefix + "leaver" && Interlocked.Increment(ref reads) == 1)
            {
                // The user reconnects (another process) right after the sweep's classification read.
                _host.Seed("leaver", TimeSpan.FromHours(1), accessToken: "ya29.reconnected", refreshToken: "1//reconnected");
            }
        };

        var report = await Sweep(new OAuthTokenSweepOptions { MaxWritesPerSecond = 50, DeleteAbandoned = true });

        report.WithoutRefreshToken.Should().Be(1, "it was abandoned when read");
        report.DeletedAbandoned.Should().Be(0);
        (await _host.Store.GetAsync("leaver"))!.RefreshToken.Should().Be("1//reconnected");
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 4010);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task AReconnectFromAnotherProcess_RightAfterTheSweepReadTheUser_IsNeverLostOrOverwritten(int seed)
    {
        // Invariant: a user who reconnects (another process's StoreAsync with a new grant) after the sweep read their
        // secret ends holding that new grant: no keep-alive write-back, revoked delete or abandoned delete undoes it.
        // The seed picks which users reconnect, and whether before or after the sweep's refresh of them starts.
        var seeded = SeedPopulation(scale: 3);
        var other = new Internal.SecretsManagerOAuthTokenStore(
            _host.Calls, Microsoft.Extensions.Options.Options.Create(_host.Options), _host.Time);
        var random = new Random(seed);
        var reconnected = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var firstReads = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var chosen = seeded.Where(s => s.Value != "malformed").Select(s => s.Key).Where(_ => random.Next(2) == 0).ToHashSet(StringComparer.Ordinal);
        var late = chosen.Where(u => seeded[u] == "stale" && random.Next(2) == 0).ToHashSet(StringComparer.Ordinal);
        void Reconnect(string userId)
        {
            var refreshToken = "1//reconnect-" + userId;
            var store = ReconnectAsync(other, userId, refreshToken);
            store.IsCompleted.Should().BeTrue("the in-process store answers at once");
            store.GetAwaiter().GetResult();
            reconnected[userId] = refreshToken;
        }

        _host.Calls.AfterGet = name =>
        {
            var userId = name[Prefix.Length..];
            if (chosen.Contains(userId) && !late.Contains(userId) && firstReads.TryAdd(userId, true))
            {
                Reconnect(userId);
            }
        };
        _host.Calls.BeforeStageMove = name =>
        {
            var userId = name[Prefix.Length..];
            if (late.Contains(userId) && !reconnected.ContainsKey(userId))
            {
                Reconnect(userId);
            }
        };

        var report = await Sweep(AllActions());

        reconnected.Should().NotBeEmpty();
        var fresh = new Internal.SecretsManagerOAuthTokenStore(_host.Secrets, Microsoft.Extensions.Options.Options.Create(_host.Options), _host.Time);
        foreach (var (userId, refreshToken) in reconnected)
        {
            var stored = await fresh.GetAsync(userId);
            stored.Should().NotBeNull($"user {userId} ({seeded[userId]}) reconnected");
            stored!.RefreshToken.Should().Be(refreshToken, $"user {userId} ({seeded[userId]}) reconnected");
            stored.AccessToken.Should().Be("ya29.reconnect-" + userId);
        }

        report.Failed.Should().Be(0);
    }

    [Fact]
    public async Task MalformedSecrets_AreReportedAndNeverChanged_WithEveryActionOn()
    {
        var seeded = SeedPopulation(scale: 2);
        var malformed = seeded.Where(s => s.Value == "malformed").Select(s => Prefix + s.Key).ToList();
        _host.Secrets.SetSecretString(Prefix + "bad/name", "{}");
        var before = Snapshot();

        var report = await Sweep(AllActions());

        report.Malformed.Should().Be(malformed.Count + 1, "a name that is no user id is malformed too");
        foreach (var name in malformed.Append(Prefix + "bad/name"))
        {
            _host.Secrets.GetSecretString(name).Should().Be(before[name]);
        }

        _host.Logs.GetSnapshot().Count(r => r.Id.Id == 4006 && r.Level == LogLevel.Warning).Should().Be(malformed.Count + 1);
    }

    [Fact]
    public async Task Actions_AreLoggedOneLineEach_AtInformation_AndNoTokenIsEverLogged()
    {
        var seeded = SeedPopulation(scale: 2);

        var report = await Sweep(AllActions());

        var logs = _host.Logs.GetSnapshot();
        logs.Count(r => r.Id.Id == 4002 && r.Level == LogLevel.Information).Should().Be(report.KeptAlive);
        logs.Count(r => r.Id.Id == 4003 && r.Level == LogLevel.Information).Should().Be(report.DeletedRevoked);
        logs.Count(r => r.Id.Id == 4004 && r.Level == LogLevel.Information).Should().Be(report.DeletedAbandoned);
        logs.Should().ContainSingle(r => r.Id.Id == 4008);
        var tokens = _seededTokens.Concat(_secretValues).ToList();
        tokens.Should().NotBeEmpty();
        foreach (var record in logs)
        {
            var text = record.Message + " " + record.Exception;
            tokens.Should().NotContain(t => text.Contains(t, StringComparison.Ordinal), $"event {record.Id} must not log a token");
        }

        report.ToString().Should().NotContain("ya29.").And.NotContain("1//");
    }

    [Fact]
    public async Task Progress_IsReportedInOrder_AndEndsAtTheReportsCounts()
    {
        var seeded = SeedPopulation(scale: 2);
        var seen = new List<OAuthTokenSweepProgress>();

        var report = await Sweep(AllActions(), new SynchronousProgress(seen));

        seen.Should().NotBeEmpty();
        seen.Select(p => p.Scanned).Should().BeInAscendingOrder();
        seen.Select(p => p.ActionsTaken).Should().BeInAscendingOrder();
        seen[^1].Should().Be(new OAuthTokenSweepProgress(seeded.Count, report.KeptAlive + report.Deleted));
    }

    [Fact]
    public async Task Cancellation_LetsAStartedRefreshFinishItsWriteBack_ThenThrows()
    {
        // Invariant: once Google has been asked, its answer is stored, whatever the cancellation.
        _host.Seed("idle", TimeSpan.FromHours(1), accessToken: "ya29.access-idle", refreshToken: "1//refresh-idle");
        _host.Time.Advance(TimeSpan.FromDays(40));
        using var release = new SemaphoreSlim(0);
        _host.TokenEndpoint.Then(async (_, _) =>
        {
            await release.WaitAsync(CancellationToken.None);
            return ScriptedHttpHandler.Response(HttpStatusCode.OK, GmailTestHost.TokenJson("ya29.after-cancel"));
        });
        using var cancel = new CancellationTokenSource();

        var sweep = CreateMaintenance().SweepAsync(new OAuthTokenSweepOptions { MaxWritesPerSecond = 50, KeepAlive = true }, cancellationToken: cancel.Token);
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        await cancel.CancelAsync();
        await Task.Delay(100);
        sweep.IsCompleted.Should().BeFalse("the refresh Google is answering is waited for");
        release.Release();

        await FluentActions.Awaiting(() => sweep).Should().ThrowAsync<OperationCanceledException>();
        (await _host.Store.GetAsync("idle"))!.AccessToken.Should().Be("ya29.after-cancel");
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 4009);
    }

    [Fact]
    public async Task Cancellation_BeforeTheSweep_ThrowsWithoutAnyCall()
    {
        SeedPopulation(scale: 1);
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => CreateMaintenance().SweepAsync(AllActions(), cancellationToken: cancel.Token))
            .Should().ThrowAsync<OperationCanceledException>();
        _host.Calls.Total.Should().Be(0);
    }

    [Fact]
    public async Task Writes_RunUnderTheSweepsBudget()
    {
        // One keep-alive is two writes; at one write a second the second waits for the window to move on.
        _host.Seed("idle-1", TimeSpan.FromHours(1), accessToken: "ya29.access-idle-1", refreshToken: "1//refresh-idle-1");
        var before = _host.Secrets.GetSecretString(Prefix + "idle-1");
        _host.Time.Advance(TimeSpan.FromDays(40));

        var sweep = CreateMaintenance().SweepAsync(new OAuthTokenSweepOptions { KeepAlive = true, MaxWritesPerSecond = 1 });
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (_host.Calls["Put"] == 0)
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(150);
        _host.Secrets.GetSecretString(Prefix + "idle-1").Should().Be(before, "the stage move is the second write within a second: it waits");

        (await sweep.WaitAsync(TimeSpan.FromSeconds(10))).KeptAlive.Should().Be(1);
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.8), "the window runs on real time");
        _host.Secrets.GetSecretString(Prefix + "idle-1").Should().NotBe(before);
    }

    [Fact]
    public async Task ARefreshFailureOtherThanInvalidGrant_IsCountedAsFailed_AndTheSecretKept()
    {
        _host.Seed("flaky", TimeSpan.FromHours(1), accessToken: "ya29.access-flaky", refreshToken: "1//refresh-flaky");
        _host.Time.Advance(TimeSpan.FromDays(40));
        var before = _host.Secrets.GetSecretString(Prefix + "flaky");
        _host.TokenEndpoint.Then(HttpStatusCode.Unauthorized, """{"error":"invalid_client","error_description":"The OAuth client was not found."}""");

        var report = await Sweep(new OAuthTokenSweepOptions { MaxWritesPerSecond = 50, KeepAlive = true, DeleteRevoked = true });

        report.Failed.Should().Be(1);
        report.KeptAlive.Should().Be(0);
        report.Deleted.Should().Be(0);
        _host.Secrets.GetSecretString(Prefix + "flaky").Should().Be(before);
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 4007 && r.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task AListingFailure_IsTheSweepsFailure()
    {
        var client = NSubstitute.Substitute.For<ISecretsManagerClient>();
        var denied = new SecretsManagerException("denied", SecretsManagerErrorKind.AccessDenied, "AccessDeniedException", HttpStatusCode.BadRequest, null);
        NSubstitute.SubstituteExtensions.Returns(
            client.ListSecretsAsync(Prefix, null, NSubstitute.Arg.Any<CancellationToken>()),
            Task.FromException<SecretListPage>(denied));
        var maintenance = new OAuthTokenMaintenance(_host.Store, _host.Coordinator, client, _host.Options, _host.Time, new FakeLogger(_host.Logs));

        var failure = await FluentActions.Awaiting(() => maintenance.SweepAsync(new OAuthTokenSweepOptions()))
            .Should().ThrowAsync<SecretsManagerException>();

        failure.Which.Kind.Should().Be(SecretsManagerErrorKind.AccessDenied);
    }

    [Theory]
    [InlineData("t1")]
    [InlineData("t2")]
    public async Task PagesThatPointBackAtEachOther_AreAnInvalidResponse_NotAnEndlessListing(string tokenAfterT1)
    {
        // t1 -> t1 is a page that points at itself; t1 -> t2 -> t1 a cycle of two.
        var client = NSubstitute.Substitute.For<ISecretsManagerClient>();
        NSubstitute.SubstituteExtensions.Returns(
            client.ListSecretsAsync(Prefix, null, NSubstitute.Arg.Any<CancellationToken>()), Task.FromResult(new SecretListPage([Prefix + "a"], "t1")));
        NSubstitute.SubstituteExtensions.Returns(
            client.ListSecretsAsync(Prefix, "t1", NSubstitute.Arg.Any<CancellationToken>()), Task.FromResult(new SecretListPage([Prefix + "b"], tokenAfterT1)));
        NSubstitute.SubstituteExtensions.Returns(
            client.ListSecretsAsync(Prefix, "t2", NSubstitute.Arg.Any<CancellationToken>()), Task.FromResult(new SecretListPage([Prefix + "a"], "t1")));
        var maintenance = new OAuthTokenMaintenance(_host.Store, _host.Coordinator, client, _host.Options, _host.Time, new FakeLogger(_host.Logs));

        var failure = await FluentActions.Awaiting(() => maintenance.SweepAsync(new OAuthTokenSweepOptions()).WaitAsync(TimeSpan.FromSeconds(10)))
            .Should().ThrowAsync<SecretsManagerException>();

        failure.Which.Kind.Should().Be(SecretsManagerErrorKind.InvalidResponse);
        await client.DidNotReceive().GetSecretValueAsync(NSubstitute.Arg.Any<string>(), NSubstitute.Arg.Any<CancellationToken>());
    }

    public static TheoryData<Action<OAuthTokenSweepOptions>> OutOfRange() => new()
    {
        o => o.KeepAliveAfter = TimeSpan.Zero,
        o => o.KeepAliveAfter = TimeSpan.FromDays(181),
        o => o.AbandonedAfter = TimeSpan.FromSeconds(-1),
        o => o.MaxWritesPerSecond = 0,
        o => o.MaxWritesPerSecond = 51,
        o => o.MaxConcurrency = 0,
        o => o.MaxConcurrency = 257,
        o => o.MonthlyPricePerSecret = -0.01m,
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task OptionsOutOfRange_AreRejectedBeforeAnyCall(Action<OAuthTokenSweepOptions> change)
    {
        var options = AllActions();
        change(options);

        await FluentActions.Awaiting(() => CreateMaintenance().SweepAsync(options)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => CreateMaintenance().SweepAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        _host.Calls.Total.Should().Be(0);
    }

    [Fact]
    public void Defaults_AreSafe_NothingIsDoneUnlessSwitchedOn()
    {
        var options = new OAuthTokenSweepOptions();

        options.Should().BeEquivalentTo(new
        {
            DryRun = false,
            KeepAlive = false,
            DeleteRevoked = false,
            DeleteAbandoned = false,
            KeepAliveAfter = TimeSpan.FromDays(30),
            AbandonedAfter = TimeSpan.FromDays(30),
            MaxWritesPerSecond = 5,
            MaxConcurrency = 8,
            MonthlyPricePerSecret = 0.40m,
        });
    }

    /// <summary>Another process's reconnect: not under the sweep's write budget.</summary>
    private static async Task ReconnectAsync(Internal.SecretsManagerOAuthTokenStore other, string userId, string refreshToken)
    {
        SecretsManagerWriteBudget.Use(null);
        await other.StoreAsync(userId, new OAuthTokenGrant("ya29.reconnect-" + userId, refreshToken, TimeSpan.FromHours(1)));
    }

    private static OAuthTokenSweepOptions AllActions() =>
        new() { KeepAlive = true, DeleteRevoked = true, DeleteAbandoned = true, MaxWritesPerSecond = 50, MaxConcurrency = 16 };

    private OAuthTokenMaintenance CreateMaintenance() =>
        new(_host.Store, _host.Coordinator, _host.Calls, _host.Options, _host.Time, new FakeLogger(_host.Logs));

    private Task<OAuthTokenSweepReport> Sweep(OAuthTokenSweepOptions options, IProgress<OAuthTokenSweepProgress>? progress = null) =>
        CreateMaintenance().SweepAsync(options, progress);

    private int WriteCount() => _host.Calls["Put"] + _host.Calls["UpdateStage"] + _host.Calls["Delete"] + _host.Calls["Create"];

    private Dictionary<string, string?> Snapshot() =>
        _host.Secrets.Names.ToDictionary(n => n, n => _host.Secrets.GetSecretString(n), StringComparer.Ordinal);

    /// <summary>
    /// Seeds <paramref name="scale"/> users of each kind: stale (written 40 days ago, so also expired), stale-revoked,
    /// abandoned (no refresh token, expired 40 days ago), then, now: valid, expiring, expired, no-refresh-recent and malformed.
    /// </summary>
    private Dictionary<string, string> SeedPopulation(int scale)
    {
        for (var i = 0; i < scale; i++)
        {
            Seed($"stale-{i}", "stale", TimeSpan.FromHours(1));
            Seed($"stale-revoked-{i}", "stale-revoked", TimeSpan.FromHours(1), refreshToken: $"1//refresh-{Revoked}-{i}");
            Seed($"abandoned-{i}", "abandoned", TimeSpan.FromHours(1), refreshToken: null);
        }

        _host.Time.Advance(TimeSpan.FromDays(40));
        for (var i = 0; i < scale; i++)
        {
            Seed($"valid-{i}", "valid", TimeSpan.FromHours(1));
            Seed($"expiring-{i}", "expiring", TimeSpan.FromMinutes(2));
            Seed($"expired-{i}", "expired", TimeSpan.FromMinutes(-30));
            Seed($"no-refresh-recent-{i}", "no-refresh-recent", TimeSpan.FromDays(-2), refreshToken: null);
        }

        var malformed = new[] { "not json", """{"refresh_token":"1//x"}""", """{"access_token":"ya29.x","expires_at":"soon"}""", "[]" };
        for (var i = 0; i < scale; i++)
        {
            _host.Secrets.SetSecretString($"{Prefix}malformed-{i}", malformed[i % malformed.Length]);
            _kinds[$"malformed-{i}"] = "malformed";
        }

        return _kinds;
    }

    private void Seed(string userId, string kind, TimeSpan expiresIn, string? refreshToken = "")
    {
        refreshToken = refreshToken == string.Empty ? "1//refresh-" + userId : refreshToken;
        _host.Seed(userId, expiresIn, accessToken: "ya29.access-" + userId, refreshToken: refreshToken);
        _seededTokens.Add("ya29.access-" + userId);
        if (refreshToken is not null)
        {
            _seededTokens.Add(refreshToken);
        }
        _kinds[userId] = kind;
    }

    private sealed class SynchronousProgress(List<OAuthTokenSweepProgress> seen) : IProgress<OAuthTokenSweepProgress>
    {
        public void Report(OAuthTokenSweepProgress value)
        {
            lock (seen)
            {
                seen.Add(value);
            }
        }
    }
}

/// <summary>Counting helpers over the seeded population.</summary>
internal static class SeededPopulation
{
    public static int Count(this Dictionary<string, string> seeded, string kind) => seeded.Values.Count(k => k == kind);
}

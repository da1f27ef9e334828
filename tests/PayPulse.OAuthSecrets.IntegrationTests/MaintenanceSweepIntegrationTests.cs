using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Maintenance;
using Xunit.Abstractions;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// <see cref="IOAuthTokenMaintenance.SweepAsync"/> resolved from a container built by <c>AddPayPulseOAuthSecrets</c>,
/// against moto and a <see cref="RotatingOAuthServer"/> on loopback (rotation and reuse detection on; revoked grants
/// answer <c>invalid_grant</c>). Every test seeds its own prefix with <see cref="SweepSeeder"/>, so tests that act on
/// the secrets never see each other's.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class MaintenanceSweepIntegrationTests : IAsyncLifetime
{
    private const decimal PricePerSecret = 0.40m;

    private readonly MotoFixture _fixture;
    private readonly string _clientIdSecretName = SecretNames.Unique("it-sweep-client-id");
    private readonly HttpClient _http = TestSecretsManagerClients.CreateHttpClient();
    private readonly SecretsManagerClient _raw;
    private readonly List<GmailCredentialHost> _hosts = [];
    private RotatingOAuthServer? _google;

    private readonly ITestOutputHelper _output;

    public MaintenanceSweepIntegrationTests(MotoFixture fixture, ITestOutputHelper output)
    {
        _output = output;
        _fixture = fixture;
        _raw = TestSecretsManagerClients.Create(_http, fixture.ServiceUrl, TestSecretsManagerClients.DummyCredentials);
    }

    private RotatingOAuthServer Google => _google!;

    public async Task InitializeAsync()
    {
        _google = RotatingOAuthServer.Start(new RotatingOAuthServerOptions { Seed = 10 });
        await _raw.CreateSecretAsync(new NewSecret(_clientIdSecretName, Google.ClientId), SecretsManagerLimits.NewClientRequestToken());
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        if (_google is not null)
        {
            await _google.DisposeAsync();
        }

        _http.Dispose();
    }

    // 1,000 secrets in every state, every action on: the report counts each state exactly, and afterwards the store
    // holds new tokens of the server's current grant (and a fresh created_at) for the grants kept alive, nothing for
    // the revoked and abandoned ones, and every other secret byte for byte at its seeded version.
    [Fact]
    public async Task SweepAsync_ThousandSecretsInEveryState_CountsEachStateAndActsOnExactlyThoseDue()
    {
        var prefix = NewPrefix();
        var seeder = Seeder(prefix);
        var seeded = await seeder.SeedAsync(ThousandPlan(), seed: 2);
        seeded.Should().HaveCount(1000);
        var host = CreateHost(prefix);
        var started = DateTimeOffset.UtcNow;

        var report = await host.Maintenance.SweepAsync(EveryAction(maxWritesPerSecond: 50, maxConcurrency: 16));
        _output.WriteLine($"swept {report.Scanned} secrets in {report.Elapsed.TotalSeconds:F2} s");

        report.Should().BeEquivalentTo(ExpectedReport(seeded, dryRun: false), o => o.Excluding(r => r.Elapsed));
        Google.RequestCount.Should().Be(
            seeded.Count(s => SweepSeeder.HoldsGrant(s.State)), "one refresh per grant due for keep-alive, and none for any other secret");
        var after = await seeder.ReadAllAsync(seeded.Select(s => s.Name));
        seeded.Select(s => Mismatch(s, after[s.Name], started)).OfType<string>().Should().BeEmpty();
    }

    // A dry run with every action on sends no write and no token request, leaves every secret's versions and staging
    // labels as they were, and predicts what the real run then does: its keep-alives are the real run's keep-alives
    // plus the revocations only a refresh can find, its abandoned deletes are the real run's.
    [Fact]
    public async Task SweepAsync_DryRun_ChangesNothingAndPredictsTheRealRun()
    {
        var prefix = NewPrefix();
        var seeder = Seeder(prefix);
        var seeded = await seeder.SeedAsync(MixedPlan(), seed: 3);
        var names = seeded.Select(s => s.Name).ToList();
        var before = await seeder.DescribeVersionsAsync(names);
        var host = CreateHost(prefix);
        var options = EveryAction(maxWritesPerSecond: 50, maxConcurrency: 8);
        options.DryRun = true;

        var dry = await host.Maintenance.SweepAsync(options);

        host.SecretsManagerTraffic.Sent.Where(c => c.IsWrite).Should().BeEmpty("a dry run writes nothing");
        Google.RequestCount.Should().Be(0, "a dry run refreshes nothing");
        (await seeder.DescribeVersionsAsync(names)).Should().BeEquivalentTo(before, "no version was added or relabelled");
        dry.Should().BeEquivalentTo(ExpectedReport(seeded, dryRun: true), o => o.Excluding(r => r.Elapsed));
        dry.KeptAlive.Should().BePositive();
        dry.DeletedAbandoned.Should().BePositive();

        options.DryRun = false;
        var real = await host.Maintenance.SweepAsync(options);

        (real.KeptAlive + real.Revoked).Should().Be(dry.KeptAlive, "the dry run predicted every refresh; a refresh tells kept alive from revoked");
        real.DeletedAbandoned.Should().Be(dry.DeletedAbandoned);
        real.Should().BeEquivalentTo(
            dry,
            o => o.Including(r => r.Scanned).Including(r => r.Valid).Including(r => r.Expiring).Including(r => r.Expired)
                .Including(r => r.WithoutRefreshToken).Including(r => r.Malformed));
        real.Should().BeEquivalentTo(ExpectedReport(seeded, dryRun: false), o => o.Excluding(r => r.Elapsed));
        var after = await seeder.ReadAllAsync(names);
        after.Values.Count(v => v is null).Should().Be(real.Deleted);
    }

    // MaxWritesPerSecond = 4 over 32 writes (8 keep-alives of two writes each, 8 revoked and 8 abandoned deletes), as
    // the requests leave the library's Secrets Manager pipeline: no one-second window holds more than 4 of them, and the
    // sweep spends its budget: at least 7 s from the first write to the last, and typically (the median) 5 consecutive
    // writes span less than 1.45 s, near the 1.1 s window (a window that moved on only every other tick made that
    // 1.7 to 2 s).
    [Fact]
    public async Task SweepAsync_WriteBudget_NoOneSecondWindowHoldsMoreWritesThanTheBudget()
    {
        const int budget = 4;
        var prefix = NewPrefix();
        var seeded = await Seeder(prefix).SeedAsync(
            new Dictionary<SeededState, int>
            {
                [SeededState.KeepAliveValid] = 8,
                [SeededState.Revoked] = 8,
                [SeededState.Abandoned] = 8,
                [SeededState.Valid] = 16,
            },
            seed: 4);
        var host = CreateHost(prefix);

        var report = await host.Maintenance.SweepAsync(EveryAction(budget, maxConcurrency: 8));

        report.Should().BeEquivalentTo(ExpectedReport(seeded, dryRun: false), o => o.Excluding(r => r.Elapsed));
        var expectedWrites = (2 * report.KeptAlive) + report.Deleted;
        var writes = host.SecretsManagerTraffic.SentTimed.Where(c => c.Call.IsWrite).Select(c => c.SentAt).Order().ToArray();
        writes.Should().HaveCount(expectedWrites, "a keep-alive is a put and a stage move, a delete one request");
        var spans = Enumerable.Range(0, writes.Length - budget)
            .Select(i => (First: i, Span: Stopwatch.GetElapsedTime(writes[i], writes[i + budget])))
            .ToList();
        var crowded = spans.Where(w => w.Span < TimeSpan.FromSeconds(1))
            .Select(w => $"writes {w.First}..{w.First + budget} within {w.Span.TotalMilliseconds:F0} ms")
            .ToList();
        var median = spans.Select(w => w.Span).Order().ElementAt(spans.Count / 2);
        var span = Stopwatch.GetElapsedTime(writes[0], writes[^1]);
        _output.WriteLine(
            $"{expectedWrites} writes in {span.TotalSeconds:F2} s ({(expectedWrites - 1) / span.TotalSeconds:F2} per second); "
            + $"{budget + 1} consecutive writes span {median.TotalMilliseconds:F0} ms (median), {spans.Min(w => w.Span).TotalMilliseconds:F0} ms at least");
        crowded.Should().BeEmpty($"no one-second window may hold more than {budget} writes");
        span.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds((expectedWrites - 1) / budget), "the budget paces the writes");
        median.Should().BeLessThan(TimeSpan.FromMilliseconds(1450), "the 1.1 s window is refilled as it slides: the sweep spends its budget");
    }

    // Invariant: a live CreateAsync for a user the sweep keeps alive, in the same container, shares the one refresh of
    // that refresh token (single flight) or uses its result. So under refresh-token rotation with reuse detection no
    // consumed refresh token is presented again: no grant is revoked, each grant is refreshed exactly once, every
    // CreateAsync succeeds with a fresh access token of the user's own grant that the server accepts, and the store ends
    // holding the grant's current refresh token. Interleavings are seeded: one read in three is held up to 400 ms after
    // moto answered it (reads that started before a rotation finish after it), token requests are delayed up to
    // 200 ms, and each of 3 callers per user calls 3 times after seeded pauses, while the sweep reads 4 at a time.
    [Fact]
    public async Task SweepAsync_KeepAliveRacingCreateAsyncForTheSameUsers_SharesOneRefreshPerGrantAndLosesNone()
    {
        var prefix = NewPrefix();
        var seeded = await Seeder(prefix).SeedAsync(
            new Dictionary<SeededState, int> { [SeededState.KeepAliveExpiring] = 10, [SeededState.Valid] = 10 }, seed: 5);
        var users = seeded.Where(s => s.State == SeededState.KeepAliveExpiring).ToArray();
        var host = CreateHost(prefix);
        var delays = new Random(11);
        host.SecretsManagerTraffic.BeforeReturn = (call, ct) =>
        {
            int delay;
            lock (delays)
            {
                delay = call.Operation == "GetSecretValue" && delays.Next(3) == 0 ? delays.Next(400) : 0;
            }

            return delay == 0 ? Task.CompletedTask : Task.Delay(delay, ct);
        };
        Google.OnArrival = TokenExchangeHooks.SeededDelay(5, TimeSpan.FromMilliseconds(200));
        var random = new Random(7);
        var callers = users.SelectMany(u => Enumerable.Range(0, 3).Select(_ => (User: u, Seed: random.Next()))).ToArray();
        var failures = new ConcurrentQueue<string>();

        var sweep = host.Maintenance.SweepAsync(EveryAction(maxWritesPerSecond: 20, maxConcurrency: 4));
        var live = callers.Select(caller => Task.Run(async () =>
        {
            var own = new Random(caller.Seed);
            for (var i = 0; i < 3; i++)
            {
                await Task.Delay(own.Next(300));
                try
                {
                    var token = (await host.Factory.CreateAsync(caller.User.UserId)).Token.AccessToken;
                    if (string.Equals(token, caller.User.Grant!.AccessToken, StringComparison.Ordinal)
                        || !string.Equals(Google.GrantOf(token), caller.User.Grant.GrantId, StringComparison.Ordinal)
                        || !Google.IsLive(token))
                    {
                        failures.Enqueue($"{caller.User.UserId}: CreateAsync handed out an access token that is expiring, of another grant, or dead");
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue($"{caller.User.UserId}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        })).ToArray();
        await Task.WhenAll(live);
        var report = await sweep;

        failures.Should().BeEmpty();
        Google.ReuseDetections.Should().Be(0, "a consumed refresh token was presented again");
        Google.Grants.Should().OnlyContain(g => !g.IsRevoked);
        Google.Grants.Should().OnlyContain(g => g.Refreshes == 1, "the sweep and the callers share one refresh per grant");
        report.Failed.Should().Be(0);
        report.Revoked.Should().Be(0);
        var after = await Seeder(prefix).ReadAllAsync(users.Select(u => u.Name));
        foreach (var user in users)
        {
            var stored = JsonNode.Parse(after[user.Name]!.SecretString!)!;
            stored["refresh_token"]!.GetValue<string>().Should().Be(
                Google.StatsOf(user.Grant!.GrantId).CurrentRefreshToken, "{0} holds the grant's current refresh token", user.UserId);
            Google.GrantOf(stored["access_token"]!.GetValue<string>()).Should().Be(user.Grant.GrantId, "no mixed grant");
        }
    }

    // The interleaving behind a keep-alive counted as failed: a CreateAsync in this container has refreshed the grant
    // (the presented refresh token is rotated away) and its write-back is still on its way when the sweep reads the
    // secret. The sweep's refresh then gets the rotated tokens at once from the single flight and must not present the
    // consumed refresh token; nor may it read the secret back before that write-back has landed and report the grant
    // as not kept alive. Seeded order: the write-back's PutSecretValue is held until 300 ms after the sweep has read.
    [Fact]
    public async Task SweepAsync_KeepAliveOfAGrantWhoseWriteBackIsInFlight_WaitsForItAndCountsItKeptAlive()
    {
        var prefix = NewPrefix();
        var user = (await Seeder(prefix).SeedAsync(new Dictionary<SeededState, int> { [SeededState.KeepAliveExpiring] = 1 }, seed: 9)).Single();
        var host = CreateHost(prefix);
        var putHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releasePut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.SecretsManagerTraffic.BeforeSend = async (call, ct) =>
        {
            if (call.Operation == "PutSecretValue" && putHeld.TrySetResult())
            {
                await releasePut.Task.WaitAsync(ct);
            }
        };
        var create = host.Factory.CreateAsync(user.UserId);
        await putHeld.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var readsBefore = host.SecretsManagerTraffic.CountCompleted("GetSecretValue", user.Name);

        var sweep = host.Maintenance.SweepAsync(EveryAction(maxWritesPerSecond: 20, maxConcurrency: 4));
        await Eventually.WaitUntilAsync(
            () => host.SecretsManagerTraffic.CountCompleted("GetSecretValue", user.Name) > readsBefore, "the sweep has read the secret");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        releasePut.SetResult();
        var report = await sweep.WaitAsync(TimeSpan.FromSeconds(15));
        var credential = await create.WaitAsync(TimeSpan.FromSeconds(15));

        report.Failed.Should().Be(0, "the grant was kept alive: by the refresh the sweep joined");
        report.KeptAlive.Should().Be(1);
        Google.StatsOf(user.Grant!.GrantId).Should().Match<GrantStats>(g => g.Refreshes == 1 && !g.IsRevoked && g.ReuseDetections == 0);
        var stored = (await host.Store.GetAsync(user.UserId))!;
        stored.RefreshToken.Should().Be(Google.StatsOf(user.Grant.GrantId).CurrentRefreshToken);
        stored.AccessToken.Should().Be(credential.Token.AccessToken);
    }

    // Invariant: a reconnect (StoreAsync of a new grant, in the same container) of a user the sweep is deleting, as
    // abandoned or as revoked, ends with the new grant stored, whichever lands first: the delete is made only if the
    // secret still holds what was judged, and the store orders the delete's read-and-delete against the reconnect.
    // Two interleavings, each given to half the users of each kind (seeded):
    //  early: the reconnect runs to its end while the sweep's classifying read is held after moto answered it, so the
    //         sweep judges the old bundle and its delete then finds the new one, and keeps it (two versions remain);
    //  late:  the reconnect starts while the delete's own read is held 300 ms, so it would write inside the delete's
    //         read-then-delete if nothing ordered them; the delete goes first and the reconnect creates the secret anew.
    [Fact]
    public async Task SweepAsync_ReconnectRacingADelete_NeverLosesTheNewGrant()
    {
        var prefix = NewPrefix();
        var seeded = await Seeder(prefix).SeedAsync(
            new Dictionary<SeededState, int> { [SeededState.Abandoned] = 6, [SeededState.Revoked] = 6, [SeededState.Valid] = 8 }, seed: 6);
        var order = new Random(21);
        var races = seeded.Where(s => s.State is SeededState.Abandoned or SeededState.Revoked)
            .GroupBy(s => s.State)
            .SelectMany(g => g.OrderBy(_ => order.Next()).Select((s, i) => new Race(s, Late: i % 2 == 1, Google.Connect("acct-" + s.UserId))))
            .ToDictionary(r => r.Seeded.Name, StringComparer.Ordinal);
        var host = CreateHost(prefix);

        // Each reconnect runs in its own flow, as a live caller's would (not under the sweep's write budget).
        var reconnects = races.Values.Select(race => Task.Run(async () =>
        {
            await race.Cue.Task;
            await host.Store.StoreAsync(
                race.Seeded.UserId, new OAuthTokenGrant(race.NewGrant.AccessToken, race.NewGrant.RefreshToken, TimeSpan.FromSeconds(race.NewGrant.ExpiresIn)));
            race.Done.SetResult();
        })).ToArray();
        var reads = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        host.SecretsManagerTraffic.BeforeReturn = async (call, ct) =>
        {
            if (call.Operation != "GetSecretValue" || call.SecretId is null || !races.TryGetValue(call.SecretId, out var race))
            {
                return;
            }

            var read = reads.AddOrUpdate(call.SecretId, 1, (_, n) => n + 1);
            if (!race.Late && read == 1)
            {
                race.Cue.SetResult();
                await race.Done.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            }
            else if (race.Late && read == 2)
            {
                race.Cue.SetResult();
                await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
            }
        };

        var report = await host.Maintenance.SweepAsync(EveryAction(maxWritesPerSecond: 20, maxConcurrency: 8));
        await Task.WhenAll(reconnects).WaitAsync(TimeSpan.FromSeconds(15));

        races.Values.Should().OnlyContain(r => r.Cue.Task.IsCompleted, "every interleaving was played");
        report.Failed.Should().Be(0);
        report.DeletedAbandoned.Should().Be(races.Values.Count(r => r.Late && r.Seeded.State == SeededState.Abandoned));
        report.DeletedRevoked.Should().Be(races.Values.Count(r => r.Late && r.Seeded.State == SeededState.Revoked));
        var seeder = Seeder(prefix);
        var after = await seeder.ReadAllAsync(races.Keys);
        foreach (var race in races.Values)
        {
            var value = after[race.Seeded.Name];
            value.Should().NotBeNull("{0} reconnected ({1}): its new grant must be stored", race.Seeded.UserId, race.Late ? "late" : "early");
            var stored = JsonNode.Parse(value!.SecretString!)!;
            stored["refresh_token"]!.GetValue<string>().Should().Be(race.NewGrant.RefreshToken, "{0} holds the new grant", race.Seeded.UserId);
            stored["access_token"]!.GetValue<string>().Should().Be(race.NewGrant.AccessToken);
        }

        var versions = await seeder.DescribeVersionsAsync(races.Keys);
        foreach (var race in races.Values)
        {
            versions[race.Seeded.Name].Split("; ").Should().HaveCount(
                race.Late ? 1 : 2, "{0}: a late reconnect creates the secret anew, an early one keeps it", race.Seeded.UserId);
        }
    }

    // Malformed secrets of every kind, some of which look due for an action (a refresh token and a created_at 40 days
    // old without an access token; no refresh token and a created_at 60 days old without an expiry; a good bundle under
    // a name that is no user id), swept with every action on next to secrets that are acted on: each keeps its value,
    // its version and its staging labels, and no request writes to it.
    [Fact]
    public async Task SweepAsync_EveryActionOn_LeavesMalformedSecretsUntouched()
    {
        var prefix = NewPrefix();
        var seeder = Seeder(prefix);
        var seeded = await seeder.SeedAsync(
            new Dictionary<SeededState, int>
            {
                [SeededState.NotJson] = 3,
                [SeededState.MissingAccessToken] = 3,
                [SeededState.MissingExpiresAt] = 3,
                [SeededState.Binary] = 3,
                [SeededState.InvalidUserId] = 3,
                [SeededState.KeepAliveValid] = 3,
                [SeededState.Revoked] = 3,
                [SeededState.Abandoned] = 3,
            },
            seed: 7);
        var malformed = seeded.Where(s => SweepSeeder.IsMalformed(s.State)).ToArray();
        var malformedNames = malformed.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var before = await seeder.DescribeVersionsAsync(malformedNames);
        var host = CreateHost(prefix);

        var report = await host.Maintenance.SweepAsync(EveryAction(maxWritesPerSecond: 50, maxConcurrency: 8));

        report.Should().BeEquivalentTo(ExpectedReport(seeded, dryRun: false), o => o.Excluding(r => r.Elapsed));
        report.Malformed.Should().Be(malformed.Length);
        report.KeptAlive.Should().BePositive("the sweep did act, next to the malformed secrets");
        host.SecretsManagerTraffic.Sent.Where(c => c.IsWrite && c.SecretId is not null && malformedNames.Contains(c.SecretId)).Should().BeEmpty();
        Google.RequestCount.Should().Be(report.KeptAlive + report.Revoked, "no refresh token of a malformed secret was presented");
        var after = await seeder.ReadAllAsync(malformedNames);
        (await seeder.DescribeVersionsAsync(malformedNames)).Should().BeEquivalentTo(before);
        foreach (var secret in malformed)
        {
            var value = after[secret.Name];
            value.Should().NotBeNull("{0} ({1}) is never deleted", secret.Name, secret.State);
            value!.VersionId.Should().Be(secret.VersionId, "{0} ({1}) is never written", secret.Name, secret.State);
            value.SecretString.Should().Be(secret.SecretString);
            if (secret.State == SeededState.Binary)
            {
                value.SecretBinary.Should().Equal(0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00);
            }
        }
    }

    // Invariant: cancelling stops the sweep starting actions, but a refresh Google was asked for is written back before
    // SweepAsync throws. With rotation, a write-back dropped halfway would leave a consumed refresh token stored; so right
    // after the OperationCanceledException every secret parses, every grant's stored refresh token is the server's
    // current one, no grant is revoked, and exactly the grants the server refreshed have a fresh created_at. The cancel
    // comes once progress reports half the secrets, with token requests delayed up to 200 ms so that refreshes are in
    // flight. A second run keeps alive exactly the rest; a third finds nothing to do.
    [Fact]
    public async Task SweepAsync_CancelledHalfway_LeavesEverySecretValidAndTheNextRunFinishesTheJob()
    {
        var prefix = NewPrefix();
        var seeded = await Seeder(prefix).SeedAsync(
            new Dictionary<SeededState, int> { [SeededState.KeepAliveExpired] = 40, [SeededState.Valid] = 40 }, seed: 8);
        var due = seeded.Where(s => s.State == SeededState.KeepAliveExpired).ToArray();
        var host = CreateHost(prefix);
        Google.OnArrival = TokenExchangeHooks.SeededDelay(3, TimeSpan.FromMilliseconds(200));
        var options = EveryAction(maxWritesPerSecond: 20, maxConcurrency: 8);
        using var cancel = new CancellationTokenSource();
        var cancelled = 0;
        var progress = new InlineProgress<OAuthTokenSweepProgress>(p =>
        {
            if (p.Scanned >= seeded.Count / 2 && Interlocked.Exchange(ref cancelled, 1) == 0)
            {
                _ = cancel.CancelAsync();
            }
        });
        var started = DateTimeOffset.UtcNow;

        await FluentActions.Awaiting(() => host.Maintenance.SweepAsync(options, progress, cancel.Token)).Should().ThrowAsync<OperationCanceledException>();

        var keptAlive = await AssertEverySecretValidAsync(prefix, seeded, due, started);
        keptAlive.Should().BeInRange(1, due.Length - 1, "the sweep was stopped halfway, after some keep-alives");

        var second = await host.Maintenance.SweepAsync(options);

        second.Scanned.Should().Be(seeded.Count);
        second.KeptAlive.Should().Be(due.Length - keptAlive, "the second run keeps alive exactly what the first left");
        second.Failed.Should().Be(0);
        (await AssertEverySecretValidAsync(prefix, seeded, due, started)).Should().Be(due.Length);
        Google.Grants.Should().OnlyContain(g => g.Refreshes == 1, "no grant was refreshed twice over the two runs");
        var writes = host.SecretsManagerTraffic.Sent.Count(c => c.IsWrite);
        var refreshes = Google.RefreshCount;

        var third = await host.Maintenance.SweepAsync(options);

        third.Should().BeEquivalentTo(
            new { Scanned = seeded.Count, KeptAlive = 0, Revoked = 0, Deleted = 0, Failed = 0 }, "a third run finds nothing to do");
        host.SecretsManagerTraffic.Sent.Count(c => c.IsWrite).Should().Be(writes);
        Google.RefreshCount.Should().Be(refreshes);
    }

    private static string NewPrefix() => $"sweep-{Guid.NewGuid():N}/user/";

    private static OAuthTokenSweepOptions EveryAction(int maxWritesPerSecond, int maxConcurrency) => new()
    {
        KeepAlive = true,
        DeleteRevoked = true,
        DeleteAbandoned = true,
        MaxWritesPerSecond = maxWritesPerSecond,
        MaxConcurrency = maxConcurrency,
        MonthlyPricePerSecret = PricePerSecret,
    };

    /// <summary>1,000 secrets: mostly valid, and tens in each other state.</summary>
    private static Dictionary<SeededState, int> ThousandPlan() => new()
    {
        [SeededState.Valid] = 640,
        [SeededState.Expiring] = 100,
        [SeededState.Expired] = 100,
        [SeededState.KeepAliveValid] = 20,
        [SeededState.KeepAliveExpiring] = 10,
        [SeededState.KeepAliveExpired] = 10,
        [SeededState.Revoked] = 15,
        [SeededState.Abandoned] = 20,
        [SeededState.WithoutRefreshTokenRecent] = 15,
        [SeededState.WithoutRefreshTokenValid] = 10,
        [SeededState.NotJson] = 15,
        [SeededState.MissingAccessToken] = 15,
        [SeededState.MissingExpiresAt] = 10,
        [SeededState.Binary] = 10,
        [SeededState.InvalidUserId] = 10,
    };

    /// <summary>About 150 secrets with a few in every state.</summary>
    private static Dictionary<SeededState, int> MixedPlan() =>
        Enum.GetValues<SeededState>().ToDictionary(s => s, s => s == SeededState.Valid ? 80 : 5);

    /// <summary>The report a sweep with every action on should give for <paramref name="seeded"/>, by what each state is.</summary>
    private static OAuthTokenSweepReport ExpectedReport(IReadOnlyCollection<SeededSecret> seeded, bool dryRun)
    {
        int Count(params SeededState[] states) => seeded.Count(s => states.Contains(s.State));
        var keptAlive = Count(SeededState.KeepAliveValid, SeededState.KeepAliveExpiring, SeededState.KeepAliveExpired);
        var revoked = Count(SeededState.Revoked);
        var abandoned = Count(SeededState.Abandoned);
        var deleted = abandoned + (dryRun ? 0 : revoked);
        return new OAuthTokenSweepReport
        {
            DryRun = dryRun,
            Scanned = seeded.Count,
            Valid = Count(SeededState.Valid, SeededState.KeepAliveValid),
            Expiring = Count(SeededState.Expiring, SeededState.KeepAliveExpiring),
            Expired = Count(SeededState.Expired, SeededState.KeepAliveExpired, SeededState.Revoked),
            WithoutRefreshToken = Count(SeededState.Abandoned, SeededState.WithoutRefreshTokenRecent, SeededState.WithoutRefreshTokenValid),
            Malformed = seeded.Count(s => SweepSeeder.IsMalformed(s.State)),
            Revoked = dryRun ? 0 : revoked,
            KeptAlive = dryRun ? keptAlive + revoked : keptAlive,
            DeletedRevoked = dryRun ? 0 : revoked,
            DeletedAbandoned = abandoned,
            Failed = 0,
            MonthlySavings = deleted * PricePerSecret,
        };
    }

    private static DateTimeOffset CreatedAt(JsonNode bundle) =>
        DateTimeOffset.Parse(bundle["created_at"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private SweepSeeder Seeder(string prefix) => new(_raw, _http, _fixture.ServiceUrl, prefix, Google);

    private GmailCredentialHost CreateHost(string prefix)
    {
        var host = GmailCredentialHost.Create(_fixture.ServiceUrl, prefix, _clientIdSecretName, Google.TokenUri);
        _hosts.Add(host);
        return host;
    }

    /// <summary>What is wrong with <paramref name="now"/>, the secret after a sweep with every action on, or <see langword="null"/>.</summary>
    private string? Mismatch(SeededSecret seeded, SecretValue? now, DateTimeOffset sweepStarted)
    {
        switch (seeded.State)
        {
            case SeededState.Revoked or SeededState.Abandoned:
                return now is null ? null : $"{seeded.Name} ({seeded.State}) was not deleted";
            case SeededState.KeepAliveValid or SeededState.KeepAliveExpiring or SeededState.KeepAliveExpired:
            {
                if (now is null)
                {
                    return $"{seeded.Name} ({seeded.State}) was deleted";
                }

                var bundle = JsonNode.Parse(now.SecretString!)!;
                var access = bundle["access_token"]!.GetValue<string>();
                var refresh = bundle["refresh_token"]!.GetValue<string>();
                var grant = seeded.Grant!;
                if (!string.Equals(refresh, Google.StatsOf(grant.GrantId).CurrentRefreshToken, StringComparison.Ordinal))
                {
                    return $"{seeded.Name} does not hold its grant's current refresh token";
                }

                if (string.Equals(access, grant.AccessToken, StringComparison.Ordinal) || !string.Equals(Google.GrantOf(access), grant.GrantId, StringComparison.Ordinal))
                {
                    return $"{seeded.Name} does not hold a new access token of its grant";
                }

                return CreatedAt(bundle) < sweepStarted.AddSeconds(-1) ? $"{seeded.Name} kept its old created_at"
                    : string.Equals(now.VersionId, seeded.VersionId, StringComparison.Ordinal) ? $"{seeded.Name} is still at its seeded version"
                    : null;
            }

            default:
                return now is null ? $"{seeded.Name} ({seeded.State}) was deleted"
                    : !string.Equals(now.VersionId, seeded.VersionId, StringComparison.Ordinal) ? $"{seeded.Name} ({seeded.State}) was written"
                    : !string.Equals(now.SecretString, seeded.SecretString, StringComparison.Ordinal) ? $"{seeded.Name} ({seeded.State}) changed its value"
                    : null;
        }
    }

    /// <summary>
    /// Checks that every seeded secret parses (read by a new container, with nothing cached), that no grant is revoked
    /// and that each <paramref name="due"/> secret holds its grant's current refresh token, with a created_at after
    /// <paramref name="started"/> exactly when the server refreshed the grant. Returns how many were kept alive.
    /// </summary>
    private async Task<int> AssertEverySecretValidAsync(
        string prefix, IReadOnlyList<SeededSecret> seeded, IReadOnlyList<SeededSecret> due, DateTimeOffset started)
    {
        var reader = CreateHost(prefix);
        var bundles = new ConcurrentDictionary<string, OAuthTokenBundle?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            seeded,
            new ParallelOptions { MaxDegreeOfParallelism = SweepSeeder.Parallelism },
            async (secret, ct) => bundles[secret.UserId] = await reader.Store.GetAsync(secret.UserId, ct));
        bundles.Values.Should().OnlyContain(b => b != null, "no secret was deleted");
        Google.ReuseDetections.Should().Be(0);
        Google.Grants.Should().OnlyContain(g => !g.IsRevoked);
        var keptAlive = 0;
        foreach (var secret in due)
        {
            var bundle = bundles[secret.UserId]!;
            var stats = Google.StatsOf(secret.Grant!.GrantId);
            bundle.RefreshToken.Should().Be(stats.CurrentRefreshToken, "{0} holds its grant's current refresh token", secret.UserId);
            (bundle.CreatedAt >= started).Should().Be(stats.Refreshes > 0, "{0} was written back exactly when its grant was refreshed", secret.UserId);
            keptAlive += stats.Refreshes > 0 ? 1 : 0;
        }

        return keptAlive;
    }

    /// <summary>One user's reconnect racing the sweep's delete.</summary>
    private sealed record Race(SeededSecret Seeded, bool Late, Grant NewGrant)
    {
        public TaskCompletionSource Cue { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

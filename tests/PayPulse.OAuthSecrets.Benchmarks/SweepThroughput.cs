using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Maintenance;
using PayPulse.OAuthSecrets.MaintenanceSweep;
using PayPulse.OAuthSecrets.Sample;

namespace PayPulse.OAuthSecrets.Benchmarks;

/// <summary>
/// A measuring program for <see cref="IOAuthTokenMaintenance.SweepAsync"/>: seeds the maintenance sweep sample's demo
/// population (2,000 users by default, in every state) on moto and on the in-process store, then times dry runs at
/// MaxConcurrency 1, 8 and 32 (reading and classifying) and real runs with every action at a write budget of 5 and
/// 40 a second (keep-alive takes two writes, a delete one). Each Secrets Manager write is timestamped as it is sent (at
/// the HTTP handler on moto, as it completes on the in-process store), so the table shows the writes a second observed
/// and the most in any one-second window next to the budget. Google's token endpoint is the sample's loopback stand-in.
/// Fails (exit 1) when a window held more writes than the budget, or a report does not match the population.
/// </summary>
internal static class SweepThroughput
{
    private static readonly string[] WriteTargets =
        ["secretsmanager.PutSecretValue", "secretsmanager.UpdateSecretVersionStage", "secretsmanager.DeleteSecret", "secretsmanager.CreateSecret"];

    public static async Task<int> RunAsync(string[] args)
    {
        var users = ReadOption(args, "--users", 2_000);
        var timeline = args.Contains("--timeline", StringComparer.Ordinal);
        var root = MachineFacts.RepositoryRoot();
        Console.WriteLine(Invariant($"Sweep throughput: {users} demo users a population; {Environment.ProcessorCount} cores; load {MachineFacts.LoadAverage()}."));
        await using var google = GoogleTokenEndpointStandIn.Start();
        await using var moto = await MotoProcess.StartAsync(Path.Combine(root, "tests", "PayPulse.OAuthSecrets.IntegrationTests", "Scripts", "moto_launcher.py"));

        var rows = new List<Row>();
        var failures = new List<string>();
        var notes = new List<string>();
        Setup OnMoto(string prefix) => Setup.OnMoto(moto.ServiceUrl, prefix, google.TokenUri);
        Setup InProcess(string prefix) => Setup.InProcess(prefix, google.TokenUri);
        Console.WriteLine("Measuring (one population for the dry runs, a fresh one for each real run):");
        foreach (var (store, create) in new (string, Func<string, Setup>)[] { ("moto", OnMoto), ("in-process", InProcess) })
        {
            await using (var dry = await SeededAsync(create(NewPrefix()), users, store))
            {
                foreach (var concurrency in new[] { 1, 8, 32 })
                {
                    await MeasureAsync(store, dry, Options(dryRun: true, writesPerSecond: 5, concurrency));
                }
            }

            foreach (var budget in store == "moto" ? new[] { 5, 40 } : [40])
            {
                await using var real = await SeededAsync(create(NewPrefix()), users, store);
                await MeasureAsync(store, real, Options(dryRun: false, budget, concurrency: 8));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"Sweep of {users} secrets ({Describe(rows[0])}); every action switched on (keep-alive, delete revoked, delete abandoned):"));
        Console.WriteLine();
        Console.WriteLine("| Store | Run | MaxConcurrency | Write budget | Elapsed (s) | Secrets/s | Reads | Writes | Writes/s | Most writes in any 1 s |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            var seconds = row.Report.Elapsed.TotalSeconds;
            Console.WriteLine(Invariant(
                $"| {row.Store} | {row.Run} | {row.Options.MaxConcurrency} | {(row.Options.DryRun ? "–" : $"{row.Options.MaxWritesPerSecond}/s")} | {seconds:0.00} | {row.Report.Scanned / seconds:0} | {row.Reads} | {row.Writes} | {row.Writes / seconds:0.0} | {row.MaxInAnySecond} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"Load afterwards: {MachineFacts.LoadAverage()}.");
        if (notes.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine(
                "Note: moto's ListSecrets NextToken is an offset into the list, so the secrets a sweep deletes before that offset " +
                "move the rest back and the next page skips as many; AWS documents NextToken only as opaque.");
            foreach (var note in notes)
            {
                Console.WriteLine("  " + note);
            }
        }

        Console.WriteLine();
        foreach (var failure in failures)
        {
            Console.WriteLine("FAIL " + failure);
        }

        Console.WriteLine(failures.Count == 0 ? "Every report matched its population and no window exceeded its budget." : $"{failures.Count} check(s) failed.");
        return failures.Count == 0 ? 0 : 1;

        async Task MeasureAsync(string store, Setup setup, OAuthTokenSweepOptions options)
        {
            setup.Writes.Reset();
            setup.Warnings.Clear();
            var started = Stopwatch.GetTimestamp();
            var report = await setup.Maintenance.SweepAsync(options);
            var row = new Row(store, options, report, setup.Writes.Count, setup.Writes.MaxInAnySecond(), setup.Writes.Reads);
            rows.Add(row);
            Console.WriteLine($"  {row.Describe()}");
            if (timeline && !options.DryRun)
            {
                Console.WriteLine($"    writes per 0.1 s: {setup.Writes.Timeline(started)}");
            }
            var followUps = new List<OAuthTokenSweepReport>();
            if (!options.DryRun)
            {
                // Sweeps again (untimed) until one finds nothing to do: together they must have done exactly what the
                // population asks, and the last must see what is left. A secret the first sweep did not list (see the
                // note printed) is found by a later one.
                var again = Options(dryRun: false, OAuthTokenSweepOptions.MaxWritesPerSecondLimit, options.MaxConcurrency);
                do
                {
                    followUps.Add(await setup.Maintenance.SweepAsync(again));
                }
                while (followUps.Count < 10 && followUps[^1] is { KeptAlive: > 0 } or { Revoked: > 0 } or { Deleted: > 0 } or { Failed: > 0 });
            }

            var transient = setup.Warnings.Count(w => w.StartsWith("[1100]", StringComparison.Ordinal));
            if (transient > 0)
            {
                Console.WriteLine(Invariant($"    {transient} Secrets Manager requests failed transiently and were retried (event 1100), e.g. {setup.Warnings.First(w => w.StartsWith("[1100]", StringComparison.Ordinal))}"));
            }

            foreach (var warning in setup.Warnings.Where(w => !w.StartsWith("[1100]", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Take(10))
            {
                Console.WriteLine("    logged: " + warning);
            }

            var population = setup.Population!;
            if (row.Report.Scanned < population.Secrets.Count && !options.DryRun)
            {
                notes.Add(Invariant(
                    $"{store}, {row.Run}, budget {options.MaxWritesPerSecond}/s: the sweep listed {row.Report.Scanned} of {population.Secrets.Count} secrets; {followUps.Count - 1} more sweep(s) found the rest, and the last found nothing to do."));
            }

            failures.AddRange(Check(row, population, followUps).Select(f => $"{store}, {row.Run}, MaxConcurrency {options.MaxConcurrency}: {f}"));
        }

        static async Task<Setup> SeededAsync(Setup setup, int users, string store)
        {
            var seeding = Stopwatch.StartNew();
            setup.Population = await setup.SeedAsync(users);
            Console.WriteLine(Invariant($"  {store}: seeded {users} under {setup.Prefix} in {seeding.Elapsed.TotalSeconds:0.0} s: {setup.Population.Describe()}"));
            return setup;
        }

        static string NewPrefix() => $"sweep-{Guid.NewGuid():N}"[..14] + "/user/";
    }

    private static OAuthTokenSweepOptions Options(bool dryRun, int writesPerSecond, int concurrency) => new()
    {
        DryRun = dryRun,
        KeepAlive = true,
        DeleteRevoked = true,
        DeleteAbandoned = true,
        MaxWritesPerSecond = writesPerSecond,
        MaxConcurrency = concurrency,
    };

    private static string Describe(Row row) =>
        Invariant($"{row.Report.Valid} valid, {row.Report.Expiring} expiring, {row.Report.Expired} expired, {row.Report.WithoutRefreshToken} without refresh token, {row.Report.Malformed} malformed");

    /// <summary>
    /// What the reports must say for the population (the sample's rules), and the budget held. A dry run, or a real
    /// run that listed every secret, is compared whole; the actions of a real run and its follow-ups must add up to the
    /// population's, and the last follow-up must see what is left.
    /// </summary>
    private static IEnumerable<string> Check(Row row, DemoPopulation population, List<OAuthTokenSweepReport> followUps)
    {
        var r = row.Report;
        int N(DemoUserKind kind) => population.Count(kind);
        var classes = new OAuthTokenSweepReport
        {
            DryRun = row.Options.DryRun,
            Scanned = population.Secrets.Count,
            Valid = N(DemoUserKind.Valid),
            Expiring = N(DemoUserKind.Expiring),
            Expired = N(DemoUserKind.Expired) + N(DemoUserKind.Idle) + N(DemoUserKind.Revoked),
            WithoutRefreshToken = N(DemoUserKind.NoRefreshToken) + N(DemoUserKind.Abandoned),
            Malformed = N(DemoUserKind.Malformed),
            Elapsed = r.Elapsed,
            MonthlySavings = r.MonthlySavings,
        };
        var expected = row.Options.DryRun
            ? classes with { KeptAlive = N(DemoUserKind.Idle) + N(DemoUserKind.Revoked), DeletedAbandoned = N(DemoUserKind.Abandoned) }
            : classes with
            {
                Revoked = N(DemoUserKind.Revoked),
                KeptAlive = N(DemoUserKind.Idle),
                DeletedRevoked = N(DemoUserKind.Revoked),
                DeletedAbandoned = N(DemoUserKind.Abandoned),
            };
        if ((row.Options.DryRun || r.Scanned == population.Secrets.Count) && r != expected)
        {
            yield return $"report {r} differs from the population's {expected}";
        }

        if (row.Options.DryRun ? row.Writes != 0 : row.MaxInAnySecond > row.Options.MaxWritesPerSecond)
        {
            yield return Invariant($"{row.MaxInAnySecond} writes in one second, budget {(row.Options.DryRun ? 0 : row.Options.MaxWritesPerSecond)}");
        }

        if (row.Options.DryRun)
        {
            yield break;
        }

        var all = followUps.Prepend(r).ToList();
        var done = (
            KeptAlive: all.Sum(x => x.KeptAlive), Revoked: all.Sum(x => x.Revoked), DeletedRevoked: all.Sum(x => x.DeletedRevoked),
            DeletedAbandoned: all.Sum(x => x.DeletedAbandoned), Failed: all.Sum(x => x.Failed));
        if (done != (expected.KeptAlive, expected.Revoked, expected.DeletedRevoked, expected.DeletedAbandoned, 0))
        {
            yield return $"the sweeps did {done} in all; the population asks for {(expected.KeptAlive, expected.Revoked, expected.DeletedRevoked, expected.DeletedAbandoned, 0)}";
        }

        var last = followUps[^1];
        var left = (last.Scanned, last.Valid, ExpiringOrExpired: last.Expiring + last.Expired, last.WithoutRefreshToken, last.Malformed);
        var leftExpected = (
            population.Secrets.Count - N(DemoUserKind.Revoked) - N(DemoUserKind.Abandoned), N(DemoUserKind.Valid) + N(DemoUserKind.Idle),
            N(DemoUserKind.Expiring) + N(DemoUserKind.Expired), N(DemoUserKind.NoRefreshToken), N(DemoUserKind.Malformed));
        if (left != leftExpected)
        {
            yield return $"the last sweep saw {left}; what is left should be {leftExpected}";
        }
    }

    private static int ReadOption(string[] args, string name, int defaultValue)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : defaultValue;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Row(string Store, OAuthTokenSweepOptions Options, OAuthTokenSweepReport Report, int Writes, int MaxInAnySecond, int Reads)
    {
        public string Run => Options.DryRun ? "dry run" : "real, every action";

        public string Describe()
        {
            var budget = Options.DryRun ? string.Empty : Invariant($", budget {Options.MaxWritesPerSecond}/s");
            var done = Invariant($"kept alive {Report.KeptAlive}, revoked {Report.Revoked}, deleted {Report.Deleted}, failed {Report.Failed}");
            return Invariant(
                $"{Store}, {Run}, MaxConcurrency {Options.MaxConcurrency}{budget}: {Report.Scanned} in {Report.Elapsed.TotalSeconds:0.00} s; {done}; {Writes} writes, at most {MaxInAnySecond} in one second");
        }
    }

    /// <summary>The Secrets Manager writes of a run, timestamped, and the reads counted.</summary>
    private sealed class WriteLog
    {
        private readonly ConcurrentQueue<long> _writes = new();
        private int _reads;

        public int Count => _writes.Count;

        public int Reads => Volatile.Read(ref _reads);

        public void Reset()
        {
            _writes.Clear();
            Volatile.Write(ref _reads, 0);
        }

        public void Write() => _writes.Enqueue(Stopwatch.GetTimestamp());

        public void Read() => Interlocked.Increment(ref _reads);

        /// <summary>The writes in each tenth of a second from <paramref name="start"/>, as one line of counts.</summary>
        public string Timeline(long start)
        {
            var tenths = _writes.Select(t => (int)(Stopwatch.GetElapsedTime(start, t).TotalSeconds * 10)).ToList();
            var counts = new int[tenths.Count == 0 ? 0 : tenths.Max() + 1];
            foreach (var tenth in tenths)
            {
                counts[tenth]++;
            }

            return string.Join(' ', counts);
        }

        /// <summary>The most writes whose timestamps fall within one second of each other.</summary>
        public int MaxInAnySecond()
        {
            var times = _writes.Order().ToArray();
            var most = 0;
            for (int first = 0, last = 0; last < times.Length; last++)
            {
                while (Stopwatch.GetElapsedTime(times[first], times[last]) >= TimeSpan.FromSeconds(1))
                {
                    first++;
                }

                most = Math.Max(most, last - first + 1);
            }

            return most;
        }
    }

    /// <summary>Logs every Secrets Manager request as it is sent (after its write permit, retries included).</summary>
    private sealed class CountingHandler(WriteLog log) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
            if (WriteTargets.Contains(target, StringComparer.Ordinal))
            {
                log.Write();
            }
            else if (target is "secretsmanager.GetSecretValue")
            {
                log.Read();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The in-process store, with each write logged as it completes (after its write permit).</summary>
    private sealed class CountingStore(InProcessSecretStore inner, WriteLog log) : ISecretsManagerClient
    {
        private readonly ISecretsManagerClient _inner = inner;

        public async Task<SecretValue> GetSecretValueAsync(string secretId, CancellationToken cancellationToken = default)
        {
            log.Read();
            return await _inner.GetSecretValueAsync(secretId, cancellationToken);
        }

        public async Task<SecretWriteResult> CreateSecretAsync(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken = default) =>
            Logged(await _inner.CreateSecretAsync(secret, clientRequestToken, cancellationToken));

        public async Task<SecretWriteResult> PutSecretValueAsync(string secretId, string secretString, string clientRequestToken, CancellationToken cancellationToken = default) =>
            Logged(await _inner.PutSecretValueAsync(secretId, secretString, clientRequestToken, cancellationToken));

        public async Task<SecretWriteResult> PutSecretValueAsync(
            string secretId, string secretString, string clientRequestToken, string versionStage, CancellationToken cancellationToken = default) =>
            Logged(await _inner.PutSecretValueAsync(secretId, secretString, clientRequestToken, versionStage, cancellationToken));

        public async Task UpdateSecretVersionStageAsync(
            string secretId, string versionStage, string moveToVersionId, string removeFromVersionId, CancellationToken cancellationToken = default)
        {
            await _inner.UpdateSecretVersionStageAsync(secretId, versionStage, moveToVersionId, removeFromVersionId, cancellationToken);
            log.Write();
        }

        public async Task DeleteSecretAsync(string secretId, bool forceDeleteWithoutRecovery = true, CancellationToken cancellationToken = default)
        {
            await _inner.DeleteSecretAsync(secretId, forceDeleteWithoutRecovery, cancellationToken);
            log.Write();
        }

        public Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellationToken = default) =>
            _inner.DescribeSecretAsync(secretId, cancellationToken);

        public Task<SecretListPage> ListSecretsAsync(string namePrefix, string? nextToken, CancellationToken cancellationToken = default) =>
            _inner.ListSecretsAsync(namePrefix, nextToken, cancellationToken);

        private SecretWriteResult Logged(SecretWriteResult result)
        {
            log.Write();
            return result;
        }
    }

    /// <summary>Keeps the text of every entry logged at Warning or above, with its exception's type and message.</summary>
    private sealed class WarningCollector(ConcurrentQueue<string> entries) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The malformed demo secrets are expected; everything else is worth showing.
            if (IsEnabled(logLevel) && eventId.Id is not 4006 and not 2003)
            {
                entries.Enqueue($"[{eventId.Id}] {formatter(state, exception)}{(exception is null ? string.Empty : $" ({exception.GetType().Name}: {exception.Message})")}");
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>One container of the library for one population's prefix, on moto or on the in-process store.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly InProcessSecretStore? _inProcess;

        private Setup(ServiceProvider services, string prefix, WriteLog writes, InProcessSecretStore? inProcess, ConcurrentQueue<string> warnings)
        {
            Warnings = warnings;
            _services = services;
            Prefix = prefix;
            Writes = writes;
            _inProcess = inProcess;
            Maintenance = services.GetRequiredService<IOAuthTokenMaintenance>();
        }

        public string Prefix { get; }

        public WriteLog Writes { get; }

        /// <summary>Gets the library's log entries at Warning and above (the sweep's failures say why here).</summary>
        public ConcurrentQueue<string> Warnings { get; }

        public IOAuthTokenMaintenance Maintenance { get; }

        public DemoPopulation? Population { get; set; }

        public static Setup OnMoto(Uri serviceUrl, string prefix, Uri tokenUri)
        {
            var writes = new WriteLog();
            var services = new ServiceCollection();
            services.AddPayPulseOAuthSecrets(o =>
            {
                o.Region = "us-east-1";
                o.ServiceUrl = serviceUrl;
                o.Credentials = new BasicAWSCredentials("AKIDSWEEPBENCH", "sweep-bench-secret");
                o.GoogleClientId = "sweep-bench.apps.googleusercontent.com";
                o.SecretNamePrefix = prefix;
                o.TokenEndpoint = tokenUri;
            });
            services.AddHttpClient(OAuthSecretsHttpClientNames.SecretsManager).AddHttpMessageHandler(() => new CountingHandler(writes));
            var warnings = new ConcurrentQueue<string>();
            services.AddLogging(b => b.AddProvider(new WarningCollector(warnings)));
            return new Setup(services.BuildServiceProvider(), prefix, writes, null, warnings);
        }

        public static Setup InProcess(string prefix, Uri tokenUri)
        {
            var writes = new WriteLog();
            var store = new InProcessSecretStore();
            var services = new ServiceCollection();
            services.AddSingleton<ISecretsManagerClient>(new CountingStore(store, writes));
            services.AddPayPulseOAuthSecrets(o =>
            {
                o.UseInProcessSecretStore = true;
                o.GoogleClientId = "sweep-bench.apps.googleusercontent.com";
                o.SecretNamePrefix = prefix;
                o.TokenEndpoint = tokenUri;
            });
            var warnings = new ConcurrentQueue<string>();
            services.AddLogging(b => b.AddProvider(new WarningCollector(warnings)));
            return new Setup(services.BuildServiceProvider(), prefix, writes, store, warnings);
        }

        /// <summary>Seeds the sample's population of <paramref name="users"/> under <see cref="Prefix"/> (not counted).</summary>
        public async Task<DemoPopulation> SeedAsync(int users)
        {
            var population = DemoPopulation.Create(users, Prefix, DateTimeOffset.UtcNow);
            if (_inProcess is not null)
            {
                foreach (var secret in population.Secrets)
                {
                    _inProcess.SetSecretString(secret.Name, secret.Value);
                }

                return population;
            }

            var client = _services.GetRequiredService<ISecretsManagerClient>();
            await Parallel.ForEachAsync(
                population.Secrets,
                new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (secret, token) =>
                {
                    // moto answers HTTP 500 now and then under concurrent writes (its store is scanned on every call):
                    // the same request again, which an earlier attempt may have done already.
                    var request = Guid.NewGuid().ToString();
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            await client.CreateSecretAsync(new NewSecret(secret.Name, secret.Value), request, token);
                            return;
                        }
                        catch (SecretsManagerException ex) when (ex.Kind == SecretsManagerErrorKind.AlreadyExists && attempt > 1)
                        {
                            return;
                        }
                        catch (SecretsManagerException ex) when (ex.IsTransient && attempt < 5)
                        {
                        }
                    }
                });
            Writes.Reset();
            return population;
        }

        /// <summary>Deletes what is left of the population (moto scans every secret on every call: fewer is faster).</summary>
        public async ValueTask DisposeAsync()
        {
            if (_inProcess is null)
            {
                var client = _services.GetRequiredService<ISecretsManagerClient>();
                var names = new List<string>();
                string? next = null;
                do
                {
                    var page = await client.ListSecretsAsync(Prefix, next);
                    names.AddRange(page.Names);
                    next = page.NextToken;
                }
                while (next is not null);

                foreach (var name in names)
                {
                    await client.DeleteSecretAsync(name);
                }
            }

            await _services.DisposeAsync();
        }
    }
}

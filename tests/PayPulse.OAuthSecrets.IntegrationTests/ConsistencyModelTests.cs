using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using Xunit.Abstractions;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// A model-based concurrency test of the consistency model (issue 7). Per seed, a repeatable random schedule of
/// batches of concurrent operations runs against one moto server: Get, Store (reconnect), Update (an application
/// component that refreshes by itself and writes back with UpdateRefreshedAsync), Delete and CreateAsync with the credential's own refreshes, in two DI
/// containers (two Lambda instances) sharing a fake clock, plus a long-running Python writer process doing what the
/// Python Lambdas do (reconnects and refresh write-backs with plain writes). Google is a loopback OAuth server with
/// refresh-token rotation and reuse detection that tags every token with its grant; both HTTP clients (Secrets Manager
/// and the token endpoint) get seeded random delays. Between batches the clock moves on, so tokens expire.
/// </summary>
/// <remarks>
/// Invariants, checked after every batch (the stored state) and during it (what callers get):
/// <list type="number">
/// <item><b>One grant.</b> The stored access token, refresh token and <c>google_user_id</c> belong to one grant.</item>
/// <item><b>The newest reconnect is never overwritten.</b> The secret holds the grant of the user's last reconnect
/// (refreshed, perhaps), or it is absent because that grant was revoked (the library deleted it after
/// <c>invalid_grant</c>) or because the user was deleted last.</item>
/// <item><b>A consumed refresh token is never stored over a live one.</b> A stored refresh token that was rotated
/// away belongs to a revoked grant.</item>
/// <item><b>A user deleted in a process is never served by it</b> until the next reconnect: Get returns null and
/// CreateAsync throws <see cref="OAuthTokenNotFoundException"/>.</item>
/// <item><b>No process trips reuse detection on its own.</b> A consumed refresh token is never presented again by
/// the process that consumed it (across processes nothing is coordinated, and reuse can happen: documented).</item>
/// <item><b>Every failure is typed</b>: one of the library's documented exceptions.</item>
/// </list>
/// Reconnects, deletes and the Python refresh of one user are serialized with each other, so "the last reconnect" is
/// well defined (the Python Lambdas' plain writes can overwrite a reconnect they race with: the library cannot stop
/// that, and the README says so).
/// </remarks>
[Collection(MotoCollection.Name)]
public sealed class ConsistencyModelTests(MotoFixture fixture, ITestOutputHelper output)
{
    private const string ClientId = "model-client.apps.googleusercontent.com";
    private const string ActorHeader = "X-Model-Actor";
    private const int Users = 3;
    private const int Batches = 20;
    private const int OperationsPerBatch = 6;

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomInterleavings_KeepEveryInvariant(int seed)
    {
        await using var run = await ModelRun.StartAsync(fixture, seed);
        for (var batch = 0; batch < Batches; batch++)
        {
            var operations = Enumerable.Range(0, OperationsPerBatch).Select(_ => run.NextOperation()).ToList();
            await Task.WhenAll(operations.Select(op => run.ExecuteAsync(op)));
            await run.CheckStoredStateAsync(batch);
            run.AdvanceClock();
        }

        run.CheckExchanges();
        output.WriteLine(run.Summary());
        if (!run.Violations.IsEmpty)
        {
            // The schedule as it ran, to replay the seed by reading.
            output.WriteLine(string.Join(Environment.NewLine, run.Trace));
        }
        run.Violations.Should().BeEmpty($"seed {seed} must keep every invariant");
        run.Google.RefreshCount.Should().BeGreaterThan(0, "the schedule must make tokens expire and be refreshed");
    }

    private enum Actor
    {
        A,
        B,
    }

    private enum Kind
    {
        Get,
        Create,
        Update,
        Reconnect,
        PythonReconnect,
        PythonRefresh,
        Delete,
    }

    private sealed record Operation(Kind Kind, Actor Actor, int User, int Choice);

    /// <summary>What the model knows of one user: its lifecycle (serialized) and the last reconnect's grant.</summary>
    private sealed class UserModel(string id)
    {
        public string Id { get; } = id;

        public SemaphoreSlim Lifecycle { get; } = new(1, 1);

        public string? LastGrant { get; set; }

        public bool DeletedLast { get; set; }

        // Bumped when a reconnect starts; with DeletedBy, tells whether a read must find nothing.
        public int Epoch { get; set; }

        public Actor? DeletedBy { get; set; }

        // Who made the last reconnect (null: the Python writer) and how many deletes after invalid_grant each process
        // had sent for the user when it started.
        public Actor? LastReconnector { get; set; }

        public Dictionary<Actor, int> RevocationDeletesAtReconnect { get; } = [];

        public Dictionary<Actor, int> ModelDeletes { get; } = new() { [Actor.A] = 0, [Actor.B] = 0 };
    }

    private sealed class ModelRun : IAsyncDisposable
    {
        private readonly MotoFixture _fixture;
        private readonly Random _schedule;
        private readonly Random _delays;
        private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
        private readonly string _prefix = TokenStoreHost.UniquePrefix();
        private readonly HttpClient _http = TestSecretsManagerClients.CreateHttpClient();
        private readonly SecretsManagerClient _raw;
        private readonly Dictionary<Actor, GmailCredentialHost> _hosts = [];
        private readonly UserModel[] _users;
        private readonly ConcurrentQueue<(string Actor, TokenExchange Exchange)> _exchanges = new();
        private readonly ConcurrentQueue<string> _violations = new();
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly int _seed;
        private PythonLambdaWriter? _python;

        private ModelRun(MotoFixture fixture, int seed)
        {
            _fixture = fixture;
            _seed = seed;
            _schedule = new Random(seed);
            _delays = new Random(seed * 7919);
            _raw = TestSecretsManagerClients.Create(_http, fixture.ServiceUrl, TestSecretsManagerClients.DummyCredentials);
            Google = RotatingOAuthServer.Start(new RotatingOAuthServerOptions { ExpectedClientId = ClientId, Seed = seed });
            _users = Enumerable.Range(0, Users).Select(i => new UserModel($"m{seed}u{i}{Guid.NewGuid():N}"[..20])).ToArray();
        }

        public RotatingOAuthServer Google { get; }

        /// <summary>Gets the operations as they started and ended.</summary>
        public ConcurrentQueue<string> Trace { get; } = new();

        public ConcurrentQueue<string> Violations => _violations;

        public static async Task<ModelRun> StartAsync(MotoFixture fixture, int seed)
        {
            var run = new ModelRun(fixture, seed);
            await run.InitializeAsync();
            return run;
        }

        public Operation NextOperation()
        {
            var roll = _schedule.Next(100);
            var kind = roll switch
            {
                < 20 => Kind.Get,
                < 55 => Kind.Create,
                < 63 => Kind.Update,
                < 73 => Kind.Reconnect,
                < 80 => Kind.PythonReconnect,
                < 90 => Kind.PythonRefresh,
                _ => Kind.Delete,
            };
            return new Operation(kind, _schedule.Next(2) == 0 ? Actor.A : Actor.B, _schedule.Next(Users), _schedule.Next(1000));
        }

        public void AdvanceClock()
        {
            // Now and then past the 55 minutes after which a fresh token is within RefreshBeforeExpiry.
            var minutes = _schedule.Next(4) switch
            {
                0 => 0,
                1 => 1,
                2 => 20,
                _ => 56,
            };
            _time.Advance(TimeSpan.FromMinutes(minutes));
        }

        public async Task ExecuteAsync(Operation op)
        {
            var user = _users[op.User];
            var host = _hosts[op.Actor];
            Count(op.Kind.ToString());
            Trace.Enqueue($"start {op} {user.Id}");
            try
            {
                switch (op.Kind)
                {
                    case Kind.Get:
                    case Kind.Create:
                        await ReadAsync(op, user, host);
                        break;
                    case Kind.Update:
                        await UpdateByApplicationAsync(op, user, host);
                        break;
                    default:
                        await LifecycleAsync(op, user, host);
                        break;
                }
            }
            catch (Exception ex) when (ex is OAuthTokenNotFoundException or OAuthTokenRevokedException or OAuthTokenRefreshException or OAuthTokenConflictException)
            {
                Count(ex.GetType().Name);
                Trace.Enqueue($"threw {ex.GetType().Name}: {op} {user.Id}");
            }
            catch (Exception ex)
            {
                _violations.Enqueue($"{op}: untyped failure {ex.GetType().FullName}: {ex.Message}");
            }

            Trace.Enqueue($"end {op} {user.Id}");
        }

        public async Task CheckStoredStateAsync(int batch)
        {
            foreach (var user in _users)
            {
                var stored = await ReadRawAsync(user);
                var where = $"seed {_seed}, after batch {batch}, user {user.Id}";
                if (stored is null)
                {
                    // Absent: deleted last, or the last reconnect's grant was revoked (the library deleted it after
                    // invalid_grant), or there never was one.
                    if (!user.DeletedLast && user.LastGrant is { } grant && !Google.IsRevoked(grant))
                    {
                        // The remaining window (README): another process checked that the secret still held the grant
                        // Google had refused, then deleted it just after this reconnect. In the reconnecting process
                        // itself the check and the delete are never split by a reconnect.
                        var deletedBy = new[] { Actor.A, Actor.B }
                            .Where(a => RevocationDeletes(a, user) > user.RevocationDeletesAtReconnect.GetValueOrDefault(a))
                            .ToList();
                        if (deletedBy.Any(a => a != user.LastReconnector))
                        {
                            Count("DocumentedCrossProcessDeleteWindow");
                        }
                        else
                        {
                            _violations.Enqueue($"{where}: the live grant {grant} of the last reconnect is gone");
                        }
                    }

                    continue;
                }

                var accessToken = stored["access_token"]!.GetValue<string>();
                var refreshToken = stored["refresh_token"]?.GetValue<string>();
                var accessGrant = Google.GrantOf(accessToken);
                var refreshGrant = refreshToken is null ? null : Google.GrantOf(refreshToken);
                if (refreshToken is not null && accessGrant != refreshGrant)
                {
                    _violations.Enqueue($"{where}: access token of {accessGrant} beside refresh token of {refreshGrant}");
                }

                if (accessGrant is not null && stored["google_user_id"]?.GetValue<string>() is { } account &&
                    Google.StatsOf(accessGrant).GoogleUserId != account)
                {
                    _violations.Enqueue($"{where}: tokens of {accessGrant} beside the Google account {account}");
                }

                if (user.DeletedLast)
                {
                    _violations.Enqueue($"{where}: a deleted user's secret came back");
                }
                else if (user.LastGrant is { } last && refreshGrant != last)
                {
                    _violations.Enqueue($"{where}: the last reconnect ({last}) was overwritten by {refreshGrant}");
                }

                if (refreshToken is not null && Google.IsConsumed(refreshToken) && refreshGrant is not null && !Google.IsRevoked(refreshGrant))
                {
                    _violations.Enqueue($"{where}: a consumed refresh token of the live grant {refreshGrant} is stored");
                }
            }
        }

        /// <summary>Invariant 5: a process never presents a refresh token that it consumed itself.</summary>
        public void CheckExchanges()
        {
            var consumedBy = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (actor, exchange) in _exchanges.OrderBy(e => e.Exchange.Sequence))
            {
                if (exchange.PresentedRefreshToken is not { } presented)
                {
                    continue;
                }

                if (exchange.Outcome == TokenExchangeOutcome.Refreshed)
                {
                    consumedBy[presented] = actor;
                }
                else if (exchange.Outcome == TokenExchangeOutcome.ReuseDetected)
                {
                    Count("CrossProcessReuse");
                    if (consumedBy.TryGetValue(presented, out var consumer) && consumer == actor && actor is "A" or "B")
                    {
                        _violations.Enqueue($"seed {_seed}: process {actor} presented a refresh token it had consumed itself");
                    }
                }
            }
        }

        public string Summary() =>
            $"seed {_seed}: " + string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}")) +
            $"; Google refreshes {Google.RefreshCount}, reuse detections {Google.ReuseDetections}";

        public async ValueTask DisposeAsync()
        {
            foreach (var host in _hosts.Values)
            {
                await host.DisposeAsync();
            }

            if (_python is not null)
            {
                await _python.DisposeAsync();
            }

            await Google.DisposeAsync();
            foreach (var user in _users)
            {
                try
                {
                    await _raw.DeleteSecretAsync(_prefix + user.Id);
                }
                catch (SecretsManagerException)
                {
                    // Best effort.
                }
            }

            _http.Dispose();
        }

        private async Task InitializeAsync()
        {
            Google.OnArrival = DelayAsync;
            Google.BeforeAnswer = (exchange, ct) =>
            {
                _exchanges.Enqueue((exchange.Request.Header(ActorHeader) ?? "python", exchange));
                return DelayAsync(exchange, ct);
            };
            foreach (var actor in new[] { Actor.A, Actor.B })
            {
                var host = GmailCredentialHost.Create(
                    _fixture.ServiceUrl,
                    _prefix,
                    "unused-client-id-secret",
                    Google.TokenUri,
                    o => o.GoogleClientId = ClientId,
                    services =>
                    {
                        services.AddSingleton<TimeProvider>(_time);
                        services.AddHttpClient(OAuthSecretsHttpClientNames.GoogleTokenEndpoint)
                            .AddHttpMessageHandler(() => new ActorHandler(actor.ToString()));
                    });
                host.SecretsManagerTraffic.BeforeSend = (_, ct) => DelayAsync(null, ct);
                host.SecretsManagerTraffic.BeforeReturn = (_, ct) => DelayAsync(null, ct);
                _hosts[actor] = host;
            }

            _python = await PythonLambdaWriter.StartAsync(_fixture.ServiceUrl);
            foreach (var user in _users)
            {
                var grant = Google.Connect(Account(0));
                await _hosts[Actor.A].Store.StoreAsync(user.Id, ToGrant(grant), GoogleUser(grant.GoogleUserId));
                user.LastGrant = grant.GrantId;
            }
        }

        private Task DelayAsync(TokenExchange? exchange, CancellationToken cancellationToken)
        {
            int milliseconds;
            lock (_delays)
            {
                milliseconds = _delays.Next(4) == 0 ? _delays.Next(25) : 0;
            }

            return milliseconds == 0 ? Task.CompletedTask : Task.Delay(milliseconds, cancellationToken);
        }

        private async Task ReadAsync(Operation op, UserModel user, GmailCredentialHost host)
        {
            var deletedHereBefore = user.DeletedBy == op.Actor;
            var epoch = user.Epoch;
            bool served;
            if (op.Kind == Kind.Get)
            {
                served = await host.Store.GetAsync(user.Id) is not null;
            }
            else
            {
                try
                {
                    var credential = await host.Factory.CreateAsync(user.Id);
                    served = true;
                    switch (op.Choice % 3)
                    {
                        case 0:
                            // As after a 401 from Gmail.
                            Count("CredentialRefresh");
                            await credential.RefreshTokenAsync(CancellationToken.None);
                            break;
                        case 1:
                            await credential.GetAccessTokenForRequestAsync();
                            break;
                    }
                }
                catch (OAuthTokenNotFoundException)
                {
                    served = false;
                }
            }

            if (served && deletedHereBefore && user.Epoch == epoch)
            {
                _violations.Enqueue($"seed {_seed}: {op} served user {user.Id} after process {op.Actor} deleted them");
            }
        }

        /// <summary>An application component in the process refreshes by itself, then writes back through UpdateRefreshedAsync.</summary>
        private async Task UpdateByApplicationAsync(Operation op, UserModel user, GmailCredentialHost host)
        {
            if (await host.Store.GetAsync(user.Id) is not { RefreshToken: { } refreshToken })
            {
                return;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, Google.TokenUri)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "refresh_token",
                    ["refresh_token"] = refreshToken,
                    ["client_id"] = ClientId,
                }),
            };
            request.Headers.Add(ActorHeader, op.Actor + "-app");
            using var response = await _http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                Count("AppRefreshRefused");
                return;
            }

            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            await host.Store.UpdateRefreshedAsync(
                user.Id,
                refreshToken,
                new OAuthTokenGrant(body["access_token"]!.GetValue<string>(), body["refresh_token"]?.GetValue<string>(), TimeSpan.FromSeconds(3599)));
        }

        private async Task LifecycleAsync(Operation op, UserModel user, GmailCredentialHost host)
        {
            await user.Lifecycle.WaitAsync();
            try
            {
                switch (op.Kind)
                {
                    case Kind.Reconnect:
                    case Kind.PythonReconnect:
                    {
                        user.Epoch++;
                        user.DeletedBy = null;
                        user.LastReconnector = op.Kind == Kind.Reconnect ? op.Actor : null;
                        foreach (var actor in new[] { Actor.A, Actor.B })
                        {
                            user.RevocationDeletesAtReconnect[actor] = RevocationDeletes(actor, user);
                        }

                        var grant = Google.Connect(Account(op.Choice % 2));
                        if (op.Kind == Kind.Reconnect)
                        {
                            await host.Store.StoreAsync(user.Id, ToGrant(grant), GoogleUser(grant.GoogleUserId));
                        }
                        else
                        {
                            Expect(await _python!.ReconnectAsync(_prefix + user.Id, grant, grant.GoogleUserId + "@example.com", "Model User"));
                        }

                        user.LastGrant = grant.GrantId;
                        user.DeletedLast = false;
                        break;
                    }

                    case Kind.PythonRefresh:
                        var answer = await _python!.RefreshAsync(_prefix + user.Id, Google);
                        if (!answer.GetProperty("ok").GetBoolean())
                        {
                            Count("PythonRefreshFailed");
                        }

                        break;
                    default:
                        user.ModelDeletes[op.Actor]++;
                        await host.Store.DeleteAsync(user.Id);
                        user.DeletedLast = true;
                        user.DeletedBy = op.Actor;
                        break;
                }
            }
            finally
            {
                user.Lifecycle.Release();
            }
        }

        private void Expect(System.Text.Json.JsonElement answer)
        {
            if (!answer.GetProperty("ok").GetBoolean())
            {
                _violations.Enqueue($"seed {_seed}: the Python writer failed: {answer}");
            }
        }

        private async Task<JsonObject?> ReadRawAsync(UserModel user)
        {
            try
            {
                var value = await _raw.GetSecretValueAsync(_prefix + user.Id);
                return JsonNode.Parse(value.SecretString!)!.AsObject();
            }
            catch (SecretsManagerException ex) when (ex.Kind == SecretsManagerErrorKind.NotFound)
            {
                return null;
            }
        }

        /// <summary>The deletes a process sent for the user beyond the model's own: deletes after invalid_grant.</summary>
        private int RevocationDeletes(Actor actor, UserModel user) =>
            _hosts[actor].SecretsManagerTraffic.CountSent("DeleteSecret", _prefix + user.Id) - user.ModelDeletes[actor];

        private void Count(string what) => _counts.AddOrUpdate(what, 1, static (_, n) => n + 1);

        private string Account(int which) => $"acct{_seed}-{which}";

        private static OAuthTokenGrant ToGrant(Grant grant) => new(grant.AccessToken, grant.RefreshToken, TimeSpan.FromSeconds(grant.ExpiresIn), grant.Scope);

        private static GoogleUserInfo GoogleUser(string googleUserId) => new(googleUserId, googleUserId + "@example.com", "Model User");
    }

    /// <summary>Tags the library's token requests with the process (container) that sent them.</summary>
    private sealed class ActorHandler(string actor) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(ActorHeader, actor);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// Seeds user secrets in every <see cref="SeededState"/> under one prefix of a moto server, many at a time, in the JSON
/// the Python Lambdas write; grants that must answer a refresh come from a <see cref="RotatingOAuthServer"/>. Reads them
/// back in bulk for the checks after a sweep.
/// </summary>
internal sealed class SweepSeeder
{
    /// <summary>How many requests the seeder has in flight at a time.</summary>
    public const int Parallelism = 16;

    private static readonly TimeSpan KeepAliveAge = TimeSpan.FromDays(40);

    private readonly SecretsManagerClient _client;
    private readonly HttpClient _http;
    private readonly Uri _serviceUrl;
    private readonly RotatingOAuthServer? _google;

    public SweepSeeder(SecretsManagerClient client, HttpClient http, Uri serviceUrl, string prefix, RotatingOAuthServer? google)
    {
        _client = client;
        _http = http;
        _serviceUrl = serviceUrl;
        Prefix = prefix;
        _google = google;
    }

    /// <summary>Gets the prefix every seeded name starts with.</summary>
    public string Prefix { get; }

    /// <summary>The states that are not a readable bundle of a valid user id.</summary>
    public static bool IsMalformed(SeededState state) =>
        state is SeededState.NotJson or SeededState.MissingAccessToken or SeededState.MissingExpiresAt or SeededState.Binary or SeededState.InvalidUserId;

    /// <summary>The states whose secret holds a grant of the OAuth server.</summary>
    public static bool HoldsGrant(SeededState state) =>
        state is SeededState.KeepAliveValid or SeededState.KeepAliveExpiring or SeededState.KeepAliveExpired or SeededState.Revoked;

    /// <summary>
    /// Creates <paramref name="plan"/>'s count of secrets of each state, in an order shuffled by <paramref name="seed"/>
    /// (so that the states are mixed along the listing), <see cref="Parallelism"/> at a time.
    /// </summary>
    public async Task<IReadOnlyList<SeededSecret>> SeedAsync(IReadOnlyDictionary<SeededState, int> plan, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var now = DateTimeOffset.UtcNow;
        var work = plan.SelectMany(p => Enumerable.Range(0, p.Value).Select(i => (State: p.Key, Index: i))).ToArray();
        new Random(seed).Shuffle(work);
        var seeded = new ConcurrentBag<SeededSecret>();
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (item, ct) => seeded.Add(await SeedOneAsync(item.State, item.Index, now, ct)));
        return [.. seeded.OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>Creates one secret in <paramref name="state"/>; the user id is made from the state and <paramref name="index"/>.</summary>
    public async Task<SeededSecret> SeedOneAsync(SeededState state, int index, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var userId = state == SeededState.InvalidUserId
            ? string.Create(CultureInfo.InvariantCulture, $"nested/{index}")
            : string.Create(CultureInfo.InvariantCulture, $"{state}-{index:D4}").ToLowerInvariant();
        var name = Prefix + userId;
        var grant = HoldsGrant(state) ? Google.Connect("acct-" + userId) : null;
        if (state == SeededState.Revoked)
        {
            Google.Revoke(grant!.GrantId);
        }

        if (state == SeededState.Binary)
        {
            var versionId = await CreateBinaryAsync(name, [0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00], cancellationToken);
            return new SeededSecret(name, userId, state, null, null, versionId, null);
        }

        var (value, createdAt) = Value(state, userId, grant, now);
        var created = await _client.CreateSecretAsync(new NewSecret(name, value), SecretsManagerLimits.NewClientRequestToken(), cancellationToken);
        return new SeededSecret(name, userId, state, grant, value, created.VersionId!, createdAt);
    }

    /// <summary>
    /// The current value of each of <paramref name="names"/>; <see langword="null"/> for one that does not exist. Read
    /// with BatchGetSecretValue, 20 names a call (the service's most), several calls at a time.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, SecretValue?>> ReadAllAsync(IEnumerable<string> names)
    {
        var wanted = names.ToList();
        var values = new ConcurrentDictionary<string, SecretValue?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            wanted.Chunk(20),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism / 2 },
            async (chunk, ct) =>
            {
                var body = new JsonObject { ["SecretIdList"] = new JsonArray([.. chunk.Select(n => JsonValue.Create(n))]) };
                using var response = await RawAwsJsonRequest.PostAsync(
                    _http, _serviceUrl, "secretsmanager.BatchGetSecretValue", body.ToJsonString(), cancellationToken: ct);
                response.EnsureSuccessStatusCode();
                var result = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
                foreach (var value in result["SecretValues"]!.AsArray())
                {
                    var name = value!["Name"]!.GetValue<string>();
                    values[name] = new SecretValue(
                        name,
                        value["ARN"]?.GetValue<string>(),
                        value["VersionId"]?.GetValue<string>(),
                        value["SecretString"]?.GetValue<string>(),
                        value["SecretBinary"] is { } binary ? Convert.FromBase64String(binary.GetValue<string>()) : null);
                }

                foreach (var error in result["Errors"]!.AsArray())
                {
                    error!["ErrorCode"]!.GetValue<string>().Should().Be("ResourceNotFoundException");
                    values[error["SecretId"]!.GetValue<string>()] = null;
                }
            });
        values.Keys.Should().BeEquivalentTo(wanted, "every name read is answered, with its value or as not found");
        return values;
    }

    /// <summary>
    /// Every version of each of <paramref name="names"/> with its staging labels (DescribeSecret's VersionIdsToStages),
    /// as one sorted line each.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> DescribeVersionsAsync(IEnumerable<string> names)
    {
        var versions = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (name, ct) =>
            {
                using var response = await RawAwsJsonRequest.PostAsync(
                    _http, _serviceUrl, "secretsmanager.DescribeSecret", new JsonObject { ["SecretId"] = name }.ToJsonString(), cancellationToken: ct);
                response.EnsureSuccessStatusCode();
                var stages = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["VersionIdsToStages"]!.AsObject();
                versions[name] = string.Join(
                    "; ",
                    stages.OrderBy(p => p.Key, StringComparer.Ordinal)
                        .Select(p => p.Key + "=" + string.Join(",", p.Value!.AsArray().Select(s => s!.GetValue<string>()).Order(StringComparer.Ordinal))));
            });
        return versions;
    }

    /// <summary>A timestamp as the Python Lambdas write it: naive UTC, six fraction digits.</summary>
    public static string PythonTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);

    /// <summary>A bundle as the Python Lambdas write it.</summary>
    public static string BundleJson(string accessToken, string? refreshToken, DateTimeOffset expiresAt, DateTimeOffset createdAt, string googleUserId) =>
        new JsonObject
        {
            ["access_token"] = accessToken,
            ["refresh_token"] = refreshToken,
            ["expires_at"] = PythonTimestamp(expiresAt),
            ["expires_in"] = 3599,
            ["scope"] = GoogleTokenResponses.GmailReadonlyScope,
            ["token_type"] = "Bearer",
            ["created_at"] = PythonTimestamp(createdAt),
            ["google_user_id"] = googleUserId,
            ["google_email"] = googleUserId + "@example.com",
            ["google_name"] = string.Empty,
            ["google_verified_email"] = true,
        }.ToJsonString();

    private RotatingOAuthServer Google =>
        _google ?? throw new InvalidOperationException("Seeding a secret that holds a grant needs a RotatingOAuthServer.");

    private static (string Value, DateTimeOffset? CreatedAt) Value(SeededState state, string userId, Grant? grant, DateTimeOffset now)
    {
        var access = grant?.AccessToken ?? "ya29.seed-" + userId;
        var refresh = grant?.RefreshToken ?? "1//seed-" + userId;
        var account = "acct-" + userId;
        (string?, DateTimeOffset, DateTimeOffset) bundle = state switch
        {
            SeededState.Valid => (refresh, now.AddMinutes(50), now.AddMinutes(-10)),
            SeededState.Expiring => (refresh, now.AddMinutes(2), now.AddMinutes(-58)),
            SeededState.Expired => (refresh, now.AddHours(-3), now.AddHours(-4)),
            SeededState.KeepAliveValid or SeededState.InvalidUserId => (refresh, now.AddMinutes(50), now - KeepAliveAge),
            SeededState.KeepAliveExpiring => (refresh, now.AddMinutes(2), now - KeepAliveAge),
            SeededState.KeepAliveExpired => (refresh, now.AddDays(-39), now - KeepAliveAge),
            SeededState.Revoked => (refresh, now.AddDays(-44), now.AddDays(-45)),
            SeededState.Abandoned => (null, now.AddDays(-60), now.AddDays(-60).AddHours(-1)),
            SeededState.WithoutRefreshTokenRecent => (null, now.AddDays(-1), now.AddDays(-1).AddHours(-1)),
            SeededState.WithoutRefreshTokenValid => (null, now.AddMinutes(50), now.AddMinutes(-10)),
            SeededState.MissingAccessToken => (refresh, now.AddDays(-39), now - KeepAliveAge),
            SeededState.MissingExpiresAt => (null, now.AddDays(-60), now.AddDays(-60)),
            _ => (null, now, now),
        };
        var (refreshToken, expiresAt, createdAt) = bundle;
        switch (state)
        {
            case SeededState.NotJson:
                return ("access_token=ya29.not-json; this is not a token bundle {", null);
            case SeededState.MissingAccessToken:
            {
                var node = JsonNode.Parse(BundleJson(access, refreshToken, expiresAt, createdAt, account))!.AsObject();
                node.Remove("access_token");
                return (node.ToJsonString(), createdAt);
            }

            case SeededState.MissingExpiresAt:
            {
                var node = JsonNode.Parse(BundleJson(access, refreshToken, expiresAt, createdAt, account))!.AsObject();
                node.Remove("expires_at");
                node.Remove("expires_in");
                return (node.ToJsonString(), createdAt);
            }

            default:
                return (BundleJson(access, refreshToken, expiresAt, createdAt, account), createdAt);
        }
    }

    private async Task<string> CreateBinaryAsync(string name, byte[] value, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["Name"] = name,
            ["SecretBinary"] = Convert.ToBase64String(value),
            ["ClientRequestToken"] = SecretsManagerLimits.NewClientRequestToken(),
        };
        using var response = await RawAwsJsonRequest.PostAsync(
            _http, _serviceUrl, "secretsmanager.CreateSecret", body.ToJsonString(), cancellationToken: cancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!["VersionId"]!.GetValue<string>();
    }
}

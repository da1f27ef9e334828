using System.Globalization;
using System.Text.Json.Nodes;
using PayPulse.OAuthSecrets.Sample;

namespace PayPulse.OAuthSecrets.MaintenanceSweep;

/// <summary>
/// The demo users the sample seeds: in every 20, 8 valid, 2 expiring, 2 expired, 2 idle, 1 revoked, 2 without refresh
/// token, 2 abandoned and 1 malformed, interleaved so that even a small population has all of them. Values are written
/// as the Python Lambdas write them (naive UTC timestamps), with demo tokens that are never printed.
/// </summary>
internal sealed class DemoPopulation
{
    /// <summary>The most users one seed makes (user ids are <c>user-00000</c> to <c>user-99999</c>).</summary>
    public const int MaxUsers = 100_000;

    private const string Scope = "https://www.googleapis.com/auth/gmail.readonly";

    private static readonly DemoUserKind[] Pattern =
    [
        DemoUserKind.Valid, DemoUserKind.Expiring, DemoUserKind.Valid, DemoUserKind.Idle, DemoUserKind.Valid,
        DemoUserKind.Abandoned, DemoUserKind.Valid, DemoUserKind.NoRefreshToken, DemoUserKind.Expired, DemoUserKind.Revoked,
        DemoUserKind.Valid, DemoUserKind.Malformed, DemoUserKind.Expiring, DemoUserKind.Idle, DemoUserKind.Valid,
        DemoUserKind.Abandoned, DemoUserKind.Valid, DemoUserKind.NoRefreshToken, DemoUserKind.Expired, DemoUserKind.Valid,
    ];

    private DemoPopulation(string prefix, IReadOnlyList<DemoSecret> secrets)
    {
        Prefix = prefix;
        Secrets = secrets;
    }

    /// <summary>Gets the name prefix every seeded secret starts with.</summary>
    public string Prefix { get; }

    /// <summary>Gets the seeded secrets.</summary>
    public IReadOnlyList<DemoSecret> Secrets { get; }

    /// <summary>Makes <paramref name="users"/> demo users named <c>{prefix}user-NNNNN</c>, dated from <paramref name="now"/>.</summary>
    public static DemoPopulation Create(int users, string prefix, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(users);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(users, MaxUsers);
        var secrets = new List<DemoSecret>(users);
        var malformed = 0;
        for (var i = 0; i < users; i++)
        {
            var kind = Pattern[i % Pattern.Length];
            var userId = string.Create(CultureInfo.InvariantCulture, $"user-{i:00000}");
            var name = prefix + userId;
            var accessToken = "ya29.demo-" + userId;
            var refreshToken = "1//demo-" + userId;
            var value = kind switch
            {
                DemoUserKind.Valid => Bundle(accessToken, refreshToken, createdAt: now.AddMinutes(-(i % 40))),
                DemoUserKind.Expiring => Bundle(accessToken, refreshToken, createdAt: now.AddMinutes(4).AddHours(-1)),
                DemoUserKind.Expired => Bundle(accessToken, refreshToken, createdAt: now.AddHours(-2 - (i % 20))),
                DemoUserKind.Idle => Bundle(accessToken, refreshToken, createdAt: now.AddDays(-40 - (i % 120))),
                DemoUserKind.Revoked => Bundle(
                    accessToken, GoogleTokenEndpointStandIn.RevokedPrefix + userId, createdAt: now.AddDays(-40 - (i % 120))),
                DemoUserKind.NoRefreshToken => Bundle(
                    accessToken, refreshToken: null, createdAt: i % 2 == 0 ? now.AddMinutes(-30) : now.AddDays(-1 - (i % 10))),
                DemoUserKind.Abandoned => Bundle(accessToken, refreshToken: null, createdAt: now.AddDays(-45 - (i % 300))),
                _ => null,
            };
            if (value is null)
            {
                // Malformed, four ways in turn: not JSON, no access token, a bad timestamp, a name that is no user id.
                (name, value) = (malformed++ % 4) switch
                {
                    0 => (name, "this is not a token bundle"),
                    1 => (name, """{"expires_at":"2026-01-01T00:00:00","token_type":"Bearer"}"""),
                    2 => (name, Bundle(accessToken, refreshToken, now, expiresAt: "tomorrow")),
                    _ => (name + "/extra", Bundle(accessToken, refreshToken, now)),
                };
            }

            secrets.Add(new DemoSecret(name, value, kind));
        }

        return new DemoPopulation(prefix, secrets);
    }

    /// <summary>The number of users seeded as <paramref name="kind"/>.</summary>
    public int Count(DemoUserKind kind) => Secrets.Count(s => s.Kind == kind);

    /// <summary>One line: the count of each kind, for example <c>valid 80, expiring 20, …</c>.</summary>
    public string Describe() => string.Join(", ", Enum.GetValues<DemoUserKind>().Select(k => string.Create(
        CultureInfo.InvariantCulture, $"{Label(k)} {Count(k)}")));

    /// <summary>The label of a kind in <see cref="Describe"/>.</summary>
    public static string Label(DemoUserKind kind) => kind switch
    {
        DemoUserKind.NoRefreshToken => "no-refresh-token",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>A bundle with an access token that lasts an hour from <paramref name="createdAt"/>.</summary>
    private static string Bundle(string accessToken, string? refreshToken, DateTimeOffset createdAt, string? expiresAt = null)
    {
        var bundle = new JsonObject
        {
            ["access_token"] = accessToken,
            ["expires_at"] = expiresAt ?? Timestamp(createdAt.AddSeconds(3599)),
            ["expires_in"] = 3599,
            ["scope"] = Scope,
            ["token_type"] = "Bearer",
            ["created_at"] = Timestamp(createdAt),
        };
        if (refreshToken is not null)
        {
            bundle["refresh_token"] = refreshToken;
        }

        return bundle.ToJsonString();
    }

    private static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);
}

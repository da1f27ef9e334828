namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// What a secret seeded by <see cref="SweepSeeder"/> holds, relative to the moment of seeding, for a sweep with the
/// library's default thresholds (refresh 5 minutes before expiry, keep alive after 30 days, abandoned 30 days after
/// expiry).
/// </summary>
internal enum SeededState
{
    /// <summary>A refresh token and an access token valid for 50 more minutes, written 10 minutes ago.</summary>
    Valid,

    /// <summary>A refresh token and an access token that expires in 2 minutes, written 58 minutes ago.</summary>
    Expiring,

    /// <summary>A refresh token and an access token that expired 3 hours ago, written 4 hours ago.</summary>
    Expired,

    /// <summary>A live grant of the OAuth server, access token valid for 50 more minutes, last written 40 days ago.</summary>
    KeepAliveValid,

    /// <summary>A live grant of the OAuth server, access token expiring in 2 minutes, last written 40 days ago.</summary>
    KeepAliveExpiring,

    /// <summary>A live grant of the OAuth server, access token expired 39 days ago, last written 40 days ago.</summary>
    KeepAliveExpired,

    /// <summary>A grant the OAuth server has revoked (it answers <c>invalid_grant</c>), expired 44 days ago, written 45 days ago.</summary>
    Revoked,

    /// <summary>No refresh token; the access token expired 60 days ago.</summary>
    Abandoned,

    /// <summary>No refresh token; the access token expired a day ago (not yet abandoned).</summary>
    WithoutRefreshTokenRecent,

    /// <summary>No refresh token; the access token is valid for 50 more minutes.</summary>
    WithoutRefreshTokenValid,

    /// <summary>A SecretString that is not JSON.</summary>
    NotJson,

    /// <summary>A JSON bundle without <c>access_token</c>, with a refresh token and a <c>created_at</c> 40 days old.</summary>
    MissingAccessToken,

    /// <summary>A JSON bundle without <c>expires_at</c>, with no refresh token and a <c>created_at</c> 60 days old.</summary>
    MissingExpiresAt,

    /// <summary>A SecretBinary instead of a SecretString.</summary>
    Binary,

    /// <summary>A well-formed bundle due for keep-alive whose name is the prefix followed by no valid user id (it holds a <c>/</c>).</summary>
    InvalidUserId,
}

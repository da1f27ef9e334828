namespace PayPulse.OAuthSecrets.MaintenanceSweep;

/// <summary>The states a demo user is seeded in.</summary>
internal enum DemoUserKind
{
    /// <summary>A refresh token and an access token valid for a while: nothing to do.</summary>
    Valid,

    /// <summary>A refresh token and an access token that expires within <see cref="OAuthSecretsOptions.RefreshBeforeExpiry"/>.</summary>
    Expiring,

    /// <summary>A refresh token and an access token that expired hours ago (used lately: not idle).</summary>
    Expired,

    /// <summary>A refresh token last written 40 days ago or more: keep-alive refreshes it.</summary>
    Idle,

    /// <summary>Idle, and its refresh token is refused by Google (<c>invalid_grant</c>): keep-alive finds it revoked.</summary>
    Revoked,

    /// <summary>No refresh token, access token valid or expired less than a month ago.</summary>
    NoRefreshToken,

    /// <summary>No refresh token, access token expired 45 days ago or more: abandoned.</summary>
    Abandoned,

    /// <summary>Not a readable token bundle, or a name that is not the prefix and a user id.</summary>
    Malformed,
}

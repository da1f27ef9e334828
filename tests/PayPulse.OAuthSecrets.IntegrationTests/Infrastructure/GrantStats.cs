namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>A snapshot of one grant of a <see cref="RotatingOAuthServer"/> (<see cref="RotatingOAuthServer.StatsOf"/>).</summary>
/// <param name="GrantId">The grant's id.</param>
/// <param name="GoogleUserId">The Google account the grant belongs to.</param>
/// <param name="Refreshes">Successful refreshes (HTTP 200) on this grant.</param>
/// <param name="ReuseDetections">Presentations of an already consumed refresh token of this grant.</param>
/// <param name="AccessTokensIssued">Access tokens issued, the one from <see cref="RotatingOAuthServer.Connect"/> included.</param>
/// <param name="RefreshTokensIssued">Refresh tokens issued, the one from <see cref="RotatingOAuthServer.Connect"/> included.</param>
/// <param name="IsRevoked">Whether the grant is revoked (reuse detected, or <see cref="RotatingOAuthServer.Revoke"/>).</param>
/// <param name="RevocationReason">Why it was revoked; <see langword="null"/> while it is live.</param>
/// <param name="CurrentRefreshToken">The one refresh token that still works; <see langword="null"/> once revoked.</param>
public sealed record GrantStats(
    string GrantId,
    string GoogleUserId,
    int Refreshes,
    int ReuseDetections,
    int AccessTokensIssued,
    int RefreshTokensIssued,
    bool IsRevoked,
    GrantRevocationReason? RevocationReason,
    string? CurrentRefreshToken)
{
    /// <summary>Keeps the current refresh token out of test output.</summary>
    public override string ToString() =>
        $"GrantStats {{ GrantId = {GrantId}, Refreshes = {Refreshes}, ReuseDetections = {ReuseDetections}, "
        + $"AccessTokensIssued = {AccessTokensIssued}, RefreshTokensIssued = {RefreshTokensIssued}, "
        + $"IsRevoked = {IsRevoked}, RevocationReason = {RevocationReason} }}";
}

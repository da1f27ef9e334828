namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// What one user's consent produces on a <see cref="RotatingOAuthServer"/> (<see cref="RotatingOAuthServer.Connect"/>):
/// a new grant with its first access token and refresh token, as the OAuth callback receives them from Google.
/// </summary>
/// <param name="GrantId">The grant's id, such as <c>g3</c>; every token of the grant carries it.</param>
/// <param name="GoogleUserId">The Google account the grant belongs to.</param>
/// <param name="AccessToken">The first access token, <c>at.{GrantId}.1.{random}</c>.</param>
/// <param name="RefreshToken">The first refresh token, <c>rt.{GrantId}.1.{random}</c>.</param>
/// <param name="ExpiresIn">The access token's lifetime in seconds, as reported to the client.</param>
/// <param name="Scope">The granted scope.</param>
public sealed record Grant(
    string GrantId,
    string GoogleUserId,
    string AccessToken,
    string RefreshToken,
    int ExpiresIn,
    string Scope)
{
    /// <summary>Keeps the tokens out of test output; use the properties to see them.</summary>
    public override string ToString() =>
        $"Grant {{ GrantId = {GrantId}, GoogleUserId = {GoogleUserId}, ExpiresIn = {ExpiresIn}, Scope = {Scope} }}";
}

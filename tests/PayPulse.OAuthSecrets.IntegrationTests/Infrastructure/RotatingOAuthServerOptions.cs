namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Settings of a <see cref="RotatingOAuthServer"/>; every one has the default a Google-like test needs.</summary>
public sealed record RotatingOAuthServerOptions
{
    /// <summary>The client id the tests use, <c>rotating-client.apps.googleusercontent.com</c>.</summary>
    public const string DefaultClientId = "rotating-client.apps.googleusercontent.com";

    /// <summary>
    /// Whether each refresh issues a new refresh token and consumes the presented one (default <see langword="true"/>).
    /// With <see langword="false"/>, the refresh token of a grant never changes (Google's usual behaviour) and reuse
    /// detection never fires; access tokens are still new on every refresh.
    /// </summary>
    public bool RotateRefreshTokens { get; init; } = true;

    /// <summary>
    /// The <c>client_id</c> every token request must carry (default <see cref="DefaultClientId"/>); a missing or
    /// different one gets HTTP 401 <c>invalid_client</c>.
    /// </summary>
    public string ExpectedClientId { get; init; } = DefaultClientId;

    /// <summary>The <c>expires_in</c> reported for access tokens, in seconds (default 3599).</summary>
    public int ExpiresIn { get; init; } = GoogleTokenResponses.DefaultExpiresIn;

    /// <summary>The scope of grants made by <see cref="RotatingOAuthServer.Connect"/> unless it is given one (default Gmail read-only).</summary>
    public string Scope { get; init; } = GoogleTokenResponses.GmailReadonlyScope;

    /// <summary>
    /// Seeds the random part of tokens, so that a run can be repeated token for token; <see langword="null"/> (the
    /// default) seeds from the clock. Grant ids and sequence numbers do not depend on it.
    /// </summary>
    public int? Seed { get; init; }
}

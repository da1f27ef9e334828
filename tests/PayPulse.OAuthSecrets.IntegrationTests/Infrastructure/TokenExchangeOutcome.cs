namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>How a <see cref="RotatingOAuthServer"/> decided one token request.</summary>
public enum TokenExchangeOutcome
{
    /// <summary>HTTP 200: a live refresh token was exchanged for a new access token (and, when rotating, a new refresh token).</summary>
    Refreshed,

    /// <summary>HTTP 400 <c>invalid_grant</c>: a consumed refresh token was presented; the whole grant is now revoked.</summary>
    ReuseDetected,

    /// <summary>HTTP 400 <c>invalid_grant</c>: the refresh token belongs to a revoked grant.</summary>
    GrantRevoked,

    /// <summary>HTTP 400 <c>invalid_grant</c>: the server never issued this refresh token (or it is an access token).</summary>
    UnknownToken,

    /// <summary>HTTP 401 <c>invalid_client</c>: <c>client_id</c> is missing or not the expected one.</summary>
    InvalidClient,

    /// <summary>HTTP 400 <c>unsupported_grant_type</c> or <c>invalid_request</c>: not a well-formed refresh request.</summary>
    InvalidRequest,
}

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Why a <see cref="RotatingOAuthServer"/> revoked a grant.</summary>
public enum GrantRevocationReason
{
    /// <summary>A consumed refresh token of the grant was presented again (refresh-token reuse detection).</summary>
    ReuseDetected,

    /// <summary>The test called <see cref="RotatingOAuthServer.Revoke"/> (the user removed access in their Google account).</summary>
    RevokedByUser,
}

using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>The one merge of refreshed tokens into a stored bundle.</summary>
internal static class OAuthTokenBundleExtensions
{
    /// <summary>
    /// Ten years: the longest lifetime the library reads or hands on. Far beyond any token lifetime, and small enough
    /// that adding it to the current time cannot overflow.
    /// </summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(3660);

    /// <summary>
    /// The bundle after a refresh: new access token and expiry, written now (to the microsecond, as the Python side
    /// stores it); the refresh token only if the grant has one; scope, Google account and everything else kept.
    /// </summary>
    public static OAuthTokenBundle WithRefreshedTokens(this OAuthTokenBundle bundle, OAuthTokenGrant grant, DateTimeOffset now)
    {
        var writtenAt = PythonTimestamp.Truncate(now);
        return bundle with
        {
            AccessToken = grant.AccessToken,
            RefreshToken = grant.RefreshToken ?? bundle.RefreshToken,
            ExpiresAt = writtenAt + grant.ExpiresIn,
            ExpiresIn = grant.ExpiresIn,
            CreatedAt = writtenAt,
        };
    }
}

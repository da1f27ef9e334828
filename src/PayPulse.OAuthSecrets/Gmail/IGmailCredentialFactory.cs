using Google.Apis.Auth.OAuth2;

namespace PayPulse.OAuthSecrets.Gmail;

/// <summary>
/// Gives, for a user, a Google.Apis.Auth <see cref="UserCredential"/> that works now and keeps working: it is refreshed
/// before it is returned when it expires within <see cref="OAuthSecretsOptions.RefreshBeforeExpiry"/>, it refreshes
/// itself later (in the background, on expiry, or when Gmail answers 401), and every refresh is written back to the
/// user's secret.
/// </summary>
public interface IGmailCredentialFactory
{
    /// <summary>
    /// Creates a credential for <paramref name="userId"/>, ready for
    /// <c>new GmailService(new BaseClientService.Initializer { HttpClientInitializer = credential })</c>.
    /// </summary>
    /// <param name="userId">The PayPulse user id.</param>
    /// <param name="cancellationToken">Stops waiting; a refresh shared with other callers goes on.</param>
    /// <returns>The user's credential.</returns>
    /// <exception cref="ArgumentException">The user id is invalid (see <see cref="IOAuthTokenStore"/>): thrown before any
    /// call, and before anything is traced, measured or logged.</exception>
    /// <exception cref="OAuthTokenNotFoundException">The user has no stored tokens: they must connect Gmail.</exception>
    /// <exception cref="OAuthSecretFormatException">The stored secret is not a valid token bundle. Stored expiry edge
    /// cases (<c>expires_at</c> at either end of the calendar, <c>created_at</c> after it, an out-of-range
    /// <c>expires_in</c>) are not errors: an expired token is refreshed, a far-future one is used.</exception>
    /// <exception cref="OAuthTokenRevokedException">Google refused the refresh token; the secret was deleted.</exception>
    /// <exception cref="OAuthTokenRefreshException">The refresh failed otherwise; see <see cref="OAuthTokenRefreshException.IsTransient"/>.</exception>
    /// <exception cref="OAuthSecretsConfigurationException">No Google OAuth client id is configured or stored.</exception>
    /// <exception cref="SecretsManagerException">Secrets Manager failed.</exception>
    Task<UserCredential> CreateAsync(string userId, CancellationToken cancellationToken = default);
}

namespace PayPulse.OAuthSecrets;

/// <summary>
/// Each user's Google token bundle, kept in AWS Secrets Manager as the secret <c>{SecretNamePrefix}{userId}</c>
/// (<c>gmail/user/{userId}</c> by default), in the JSON format the Python Lambdas read and write.
/// </summary>
/// <remarks>
/// User ids are 1 to 128 ASCII letters, digits and <c>_+=.@-</c>; any other id throws <see cref="ArgumentException"/>
/// before a request is made, and before anything is traced, measured or logged, so an invalid id never reaches
/// telemetry. Service failures throw <see cref="SecretsManagerException"/>; a stored secret that is not
/// a valid bundle throws <see cref="OAuthSecretFormatException"/>.
/// </remarks>
public interface IOAuthTokenStore
{
    /// <summary>
    /// Stores the tokens of a user who connected or reconnected Gmail, creating the secret if needed. When the grant has
    /// no refresh token, the stored one is kept (unless the user switched Google accounts). Unknown keys in the stored
    /// secret are kept. When <paramref name="googleUser"/> is <see langword="null"/>, the stored account is kept.
    /// </summary>
    /// <param name="userId">The PayPulse user id.</param>
    /// <param name="grant">The tokens Google issued.</param>
    /// <param name="googleUser">The Google account the tokens belong to, if known.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What was stored, whether the secret was created and whether the Google account changed.</returns>
    /// <exception cref="OAuthTokenConflictException">
    /// The grant has no refresh token, so the stored one is kept with a conditional write, and the secret kept changing
    /// under it.
    /// </exception>
    Task<OAuthTokenStoreResult> StoreAsync(string userId, OAuthTokenGrant grant, GoogleUserInfo? googleUser = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes refreshed tokens: the new access token and expiry, and the refresh token if the grant has one. The stored
    /// scope, Google account and unknown keys are kept.
    /// </summary>
    /// <param name="userId">The PayPulse user id.</param>
    /// <param name="grant">The tokens of the refresh.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The bundle as it is now stored.</returns>
    /// <exception cref="OAuthTokenNotFoundException">The user has no stored tokens; nothing is created.</exception>
    /// <exception cref="OAuthTokenConflictException">The secret kept changing under the conditional writes.</exception>
    /// <remarks>
    /// The write is conditional on the version it is based on (the bundle this process read or wrote within
    /// <see cref="OAuthSecretsOptions.BundleCacheDuration"/>, else a fresh read), so a concurrent writer is never
    /// overwritten blindly: the same grant is merged, another one is kept and returned. This overload cannot tell which
    /// grant the tokens were refreshed from; when a reconnect may race with the refresh, use
    /// <see cref="UpdateRefreshedAsync"/>, which takes the presented refresh token.
    /// </remarks>
    Task<OAuthTokenBundle> UpdateAsync(string userId, OAuthTokenGrant grant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes refreshed tokens only while the user's secret still holds the grant they were refreshed from: the refresh
    /// token presented to Google. If the secret holds another grant now (the user reconnected), nothing is written and
    /// the stored bundle is returned. The stored scope, Google account and unknown keys are kept.
    /// </summary>
    /// <param name="userId">The PayPulse user id.</param>
    /// <param name="presentedRefreshToken">The refresh token the tokens were refreshed with.</param>
    /// <param name="grant">The tokens of the refresh (with Google's new refresh token, if it rotated it).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The bundle as it is now stored.</returns>
    /// <exception cref="OAuthTokenNotFoundException">The user has no stored tokens; nothing is created.</exception>
    /// <exception cref="OAuthTokenConflictException">The secret kept changing under the conditional writes.</exception>
    Task<OAuthTokenBundle> UpdateRefreshedAsync(string userId, string presentedRefreshToken, OAuthTokenGrant grant, CancellationToken cancellationToken = default);

    /// <summary>Reads a user's stored tokens.</summary>
    /// <param name="userId">The PayPulse user id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The bundle, or <see langword="null"/> when the user has no stored tokens.</returns>
    Task<OAuthTokenBundle?> GetAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a user's secret at once, without a recovery window, so that they must connect Gmail again. Deleting a
    /// user who has nothing stored is not an error.
    /// </summary>
    /// <param name="userId">The PayPulse user id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the secret is deleted.</returns>
    Task DeleteAsync(string userId, CancellationToken cancellationToken = default);
}

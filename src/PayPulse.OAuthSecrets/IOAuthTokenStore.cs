namespace PayPulse.OAuthSecrets;

/// <summary>
/// Each user's Google token bundle, kept in AWS Secrets Manager as the secret <c>{SecretNamePrefix}{userId}</c>
/// (<c>gmail/user/{userId}</c> by default), in the JSON format the Python Lambdas read and write.
/// </summary>
/// <remarks>
/// User ids are 1 to 128 ASCII letters, digits and <c>_+=.@-</c>; any other id throws <see cref="ArgumentException"/>
/// before a request is made. Service failures throw <see cref="SecretsManagerException"/>; a stored secret that is not
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
    Task<OAuthTokenBundle> UpdateAsync(string userId, OAuthTokenGrant grant, CancellationToken cancellationToken = default);

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

using Google.Apis.Auth.OAuth2;
using PayPulse.OAuthSecrets.Gmail;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// Builds a user's <see cref="UserCredential"/> from their stored tokens, refreshing them first when they expire within
/// <see cref="OAuthSecretsOptions.RefreshBeforeExpiry"/> so that a refresh failure reaches the caller.
/// </summary>
internal sealed class GmailCredentialFactory(
    SecretsManagerOAuthTokenStore store,
    GoogleTokenRefresher refresher,
    UserRefreshCoordinator coordinator,
    OAuthSecretsOptions options,
    TimeProvider timeProvider) : IGmailCredentialFactory
{
    public async Task<UserCredential> CreateAsync(string userId, CancellationToken cancellationToken = default)
    {
        SecretNames.ValidateUserId(userId);
        var flow = await refresher.GetFlowAsync(cancellationToken).ConfigureAwait(false);

        // Within BundleCacheDuration a bundle this process knows, not expiring, costs no call.
        var stored = await store.GetStoredAsync(userId, cancellationToken).ConfigureAwait(false)
                     ?? throw store.NotFound(userId);
        var bundle = stored.Bundle;
        if (bundle.IsExpired(timeProvider, options.RefreshBeforeExpiry))
        {
            bundle = await coordinator.RefreshAsync(userId, stored, cancellationToken).ConfigureAwait(false);
        }

        var persisting = new PersistingAuthorizationCodeFlow(flow, coordinator, timeProvider);
        var credential = new UserCredential(persisting, userId, PersistingAuthorizationCodeFlow.ToTokenResponse(bundle, timeProvider));
        persisting.Credential = credential;
        return credential;
    }
}

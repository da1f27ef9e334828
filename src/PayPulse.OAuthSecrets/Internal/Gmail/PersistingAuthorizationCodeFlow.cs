using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using Google.Apis.Auth.OAuth2.Requests;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Util;
using Google.Apis.Util.Store;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// The flow one user's <see cref="UserCredential"/> talks to. Every refresh the credential starts (before expiry in
/// the background, on expiry, or after a 401 from Gmail) goes through the user's <see cref="UserRefreshCoordinator"/>,
/// which writes the new tokens back or deletes the secret on <c>invalid_grant</c>. Nothing else is stored or deleted.
/// </summary>
internal sealed class PersistingAuthorizationCodeFlow(
    GoogleAuthorizationCodeFlow inner, UserRefreshCoordinator coordinator, TimeProvider timeProvider) : IAuthorizationCodeFlow
{
    /// <summary>Gets or sets the credential this flow serves (to know which access token it holds).</summary>
    public UserCredential? Credential { get; set; }

    public IAccessMethod AccessMethod => inner.AccessMethod;

    public IClock Clock => inner.Clock;

    public IDataStore? DataStore => null;

    /// <summary>
    /// The bundle as Google's <see cref="TokenResponse"/>, issued now: the seconds left until <c>expires_at</c>, at
    /// least 0 (an expired token, <c>0001-01-01T00:00:00</c> included) and at most
    /// <see cref="OAuthTokenBundleExtensions.MaxLifetime"/> (a far-future one, <c>9999-12-31T23:59:59.999999</c>
    /// included), because Google's library adds them to <see cref="TokenResponse.IssuedUtc"/> and would overflow.
    /// </summary>
    public static TokenResponse ToTokenResponse(OAuthTokenBundle bundle, TimeProvider timeProvider)
    {
        var now = timeProvider.GetUtcNow();
        var remaining = bundle.ExpiresAt - now;
        var maxSeconds = (long)OAuthTokenBundleExtensions.MaxLifetime.TotalSeconds;
        return new TokenResponse
        {
            AccessToken = bundle.AccessToken,
            RefreshToken = bundle.RefreshToken,
            TokenType = bundle.TokenType,
            Scope = bundle.Scope,
            ExpiresInSeconds = Math.Clamp((long)remaining.TotalSeconds, 0, maxSeconds),
            IssuedUtc = now.UtcDateTime,
        };
    }

    public async Task<TokenResponse> RefreshTokenAsync(string userId, string refreshToken, CancellationToken taskCancellationToken)
    {
        var bundle = await coordinator.RefreshForCredentialAsync(userId, Credential?.Token?.AccessToken, taskCancellationToken)
            .ConfigureAwait(false);
        return ToTokenResponse(bundle, timeProvider);
    }

    public Task<TokenResponse?> LoadTokenAsync(string userId, CancellationToken taskCancellationToken) =>
        Task.FromResult<TokenResponse?>(null);

    public Task DeleteTokenAsync(string userId, CancellationToken taskCancellationToken) => Task.CompletedTask;

    public AuthorizationCodeRequestUrl CreateAuthorizationCodeRequest(string redirectUri) =>
        inner.CreateAuthorizationCodeRequest(redirectUri);

    public Task<TokenResponse> ExchangeCodeForTokenAsync(string userId, string code, string redirectUri, CancellationToken taskCancellationToken) =>
        throw new NotSupportedException("Code exchange happens on the phone; this flow only refreshes stored tokens.");

    public Task RevokeTokenAsync(string userId, string token, CancellationToken taskCancellationToken) =>
        throw new NotSupportedException(
            "Revoke the grant with Google directly, then call IOAuthTokenStore.DeleteAsync; this flow only refreshes stored tokens.");

    public bool ShouldForceTokenRetrieval() => inner.ShouldForceTokenRetrieval();

    public void Dispose()
    {
        // The Google flow is shared by every credential and owned by GoogleTokenRefresher.
    }
}

using Google.Apis.Auth;
using Google.Apis.Auth.OAuth2.Responses;

namespace PayPulse.OAuthSecrets.Snippets;

#region snippet:connect-handler
// google: what the iOS app got from Google's token endpoint (access_token, refresh_token, expires_in, scope, id_token);
// idToken: the payload of its id_token, validated with GoogleJsonWebSignature.ValidateAsync (audience: your client id).
public sealed class ConnectGmailHandler(IOAuthTokenStore tokens)
{
    public async Task<bool> HandleAsync(string userId, TokenResponse google, GoogleJsonWebSignature.Payload idToken, CancellationToken ct)
    {
        var grant = new OAuthTokenGrant(
            google.AccessToken,
            google.RefreshToken,    // null on a repeated consent: the stored refresh token is kept
            TimeSpan.FromSeconds(google.ExpiresInSeconds ?? throw new ArgumentException("No expires_in.", nameof(google))),
            google.Scope);
        var account = new GoogleUserInfo(idToken.Subject, idToken.Email, idToken.Name, idToken.EmailVerified);

        var result = await tokens.StoreAsync(userId, grant, account, ct);
        return result.AccountSwitched;   // true: the user connected another Google account than before
    }
}
#endregion

using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;
using PayPulse.OAuthSecrets.Gmail;

namespace PayPulse.OAuthSecrets.Snippets;

#region snippet:lambda-handler
public sealed class ReadInvoicesHandler(IGmailCredentialFactory credentials)
{
    private static readonly HttpClientFactory GoogleHttp = new();

    public async Task<ApiResponse> HandleAsync(string userId, CancellationToken ct)
    {
        try
        {
            UserCredential credential = await credentials.CreateAsync(userId, ct);
            // The credential adds its access token to each request, refreshes it (also after a 401) and writes every refresh back.
            // With Google.Apis.Gmail.v1: new GmailService(new BaseClientService.Initializer { HttpClientInitializer = credential }).
            using var gmail = GoogleHttp.CreateHttpClient(new CreateHttpClientArgs { ApplicationName = "PayPulse", Initializers = { credential } });
            var messages = await gmail.GetStringAsync(new Uri("https://gmail.googleapis.com/gmail/v1/users/me/messages?q=invoice"), ct);
            return new ApiResponse(200, messages);
        }
        catch (OAuthTokenNotFoundException) { return new ApiResponse(401, "connect_gmail"); }
        catch (OAuthTokenRevokedException) { return new ApiResponse(401, "reconnect_gmail"); }   // secret already deleted
        catch (OAuthTokenRefreshException ex) when (ex.IsTransient) { return new ApiResponse(503, "try_later"); }
        catch (OAuthTokenRefreshException) { return new ApiResponse(502, "google_refused"); }   // e.g. invalid_client: a configuration problem
        catch (SecretsManagerException ex) when (ex.IsTransient) { return new ApiResponse(503, "try_later"); }
    }
}
#endregion

using Google.Apis.Auth.OAuth2.Flows;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>The Google flow's settings with a configurable token endpoint (the public initializer fixes Google's).</summary>
internal sealed class TokenEndpointFlowInitializer(Uri tokenEndpoint)
    : GoogleAuthorizationCodeFlow.Initializer(
        "https://accounts.google.com/o/oauth2/v2/auth",
        tokenEndpoint.ToString(),
        "https://oauth2.googleapis.com/revoke");

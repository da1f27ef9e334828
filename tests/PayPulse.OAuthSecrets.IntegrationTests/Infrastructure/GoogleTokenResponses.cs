using System.Net;
using System.Text.Json.Nodes;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Responders that answer like Google's OAuth token endpoint (<c>https://oauth2.googleapis.com/token</c>).</summary>
public static class GoogleTokenResponses
{
    /// <summary>The scope Google reports for a Gmail read-only grant.</summary>
    public const string GmailReadonlyScope = "https://www.googleapis.com/auth/gmail.readonly";

    /// <summary>The lifetime Google gives access tokens, in seconds.</summary>
    public const int DefaultExpiresIn = 3599;

    /// <summary>
    /// HTTP 200 with a new access token: <c>{"access_token":…,"expires_in":3599,"scope":…,"token_type":"Bearer"}</c>,
    /// plus <c>"refresh_token"</c> when Google rotates it.
    /// </summary>
    public static LoopbackResponder Success(
        string accessToken, int expiresIn = DefaultExpiresIn, string? scope = GmailReadonlyScope, string? refreshToken = null)
    {
        var body = new JsonObject
        {
            ["access_token"] = accessToken,
            ["expires_in"] = expiresIn,
        };
        if (scope is not null)
        {
            body["scope"] = scope;
        }

        body["token_type"] = "Bearer";
        if (refreshToken is not null)
        {
            body["refresh_token"] = refreshToken;
        }

        return LoopbackResponders.Fixed(LoopbackResponse.Json(HttpStatusCode.OK, body.ToJsonString()));
    }

    /// <summary>An OAuth error: <c>{"error":…,"error_description":…}</c> with <paramref name="statusCode"/>.</summary>
    public static LoopbackResponder Error(HttpStatusCode statusCode, string error, string? description = null)
    {
        var body = new JsonObject { ["error"] = error };
        if (description is not null)
        {
            body["error_description"] = description;
        }

        return LoopbackResponders.Fixed(LoopbackResponse.Json(statusCode, body.ToJsonString()));
    }

    /// <summary>HTTP 400 <c>invalid_grant</c>: the refresh token was revoked or expired.</summary>
    public static LoopbackResponder InvalidGrant() =>
        Error(HttpStatusCode.BadRequest, "invalid_grant", "Token has been expired or revoked.");

    /// <summary>HTTP 503 <c>temporarily_unavailable</c>.</summary>
    public static LoopbackResponder TemporarilyUnavailable() =>
        Error(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");

    /// <summary>HTTP 401 <c>invalid_client</c>: the OAuth client id is unknown.</summary>
    public static LoopbackResponder InvalidClient() =>
        Error(HttpStatusCode.Unauthorized, "invalid_client", "The OAuth client was not found.");

    /// <summary>What an unscripted request gets: HTTP 400 <c>invalid_request</c> (neither transient nor a revocation).</summary>
    public static LoopbackResponder Unscripted() =>
        Error(HttpStatusCode.BadRequest, "invalid_request", "The loopback token endpoint has no response scripted for this request.");
}

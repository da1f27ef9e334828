namespace PayPulse.OAuthSecrets.Diagnostics;

/// <summary>
/// The names under which the library publishes metrics and traces, for OpenTelemetry's <c>AddMeter</c> and
/// <c>AddSource</c>. Neither carries a token value.
/// </summary>
/// <remarks>
/// <para>Metrics (meter <see cref="MeterName"/>, created through <c>IMeterFactory</c>):</para>
/// <list type="bullet">
/// <item><description><c>paypulse.oauth_secrets.store.duration</c> (histogram, <c>s</c>): each token store call,
/// Secrets Manager retries included; tags <c>paypulse.oauth_secrets.operation</c> (<c>get</c>, <c>store</c>,
/// <c>update</c>, <c>delete</c>) and, when it failed, <c>error.type</c> (the exception's full type name).</description></item>
/// <item><description><c>paypulse.oauth_secrets.token.refreshes</c> (counter, <c>{refresh}</c>): each refresh a Gmail
/// credential ran (callers that joined one are not counted again); tag <c>paypulse.oauth_secrets.refresh.outcome</c>
/// (<c>refreshed</c>, <c>already_refreshed</c> when another process had refreshed the tokens, <c>revoked</c>,
/// <c>failed</c>) and, when it did not succeed, <c>error.type</c>: an OAuth error code such as <c>invalid_grant</c>,
/// one of the library's own (<c>timeout</c>, <c>network_error</c>, <c>invalid_response</c>, <c>empty_response</c>,
/// <c>missing_refresh_token</c>, <c>unexpected_error</c>), <c>_OTHER</c> for any other code, or the exception's full
/// type name.</description></item>
/// </list>
/// <para>Traces (activity source <see cref="ActivitySourceName"/>): <c>OAuthTokenStore.Get</c>, <c>.Store</c>,
/// <c>.Update</c>, <c>.Delete</c> and <c>GmailCredential.Refresh</c>, each tagged with <c>paypulse.user_id</c> and,
/// on failure, <c>error.type</c> and an error status.</para>
/// </remarks>
public static class OAuthSecretsDiagnostics
{
    /// <summary>The name of the library's <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "PayPulse.OAuthSecrets";

    /// <summary>The name of the library's <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "PayPulse.OAuthSecrets";
}

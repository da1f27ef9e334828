namespace PayPulse.OAuthSecrets;

/// <summary>
/// The names of the <see cref="System.Net.Http.HttpClient"/>s that <c>AddPayPulseOAuthSecrets</c> registers with
/// <c>IHttpClientFactory</c>. Configure them as any named client, for example to add a tracing handler or a proxy:
/// <c>services.AddHttpClient(OAuthSecretsHttpClientNames.GoogleTokenEndpoint).AddHttpMessageHandler(...)</c>.
/// </summary>
/// <remarks>
/// Only the handler chains are used: each attempt is bounded by <see cref="OAuthSecretsOptions.AttemptTimeout"/> and
/// retried by the library, so <see cref="System.Net.Http.HttpClient"/> settings such as its timeout do not apply. The
/// token endpoint's handler chain is created once per process (Google.Apis.Auth keeps one HTTP client for its flow), so
/// a handler lifetime does not apply to it; the default primary handler recycles pooled connections every five
/// minutes, so DNS changes are still picked up. Configure that primary handler rather than replacing it. Header values
/// are never logged.
/// </remarks>
public static class OAuthSecretsHttpClientNames
{
    /// <summary>The client that sends signed requests to AWS Secrets Manager.</summary>
    public const string SecretsManager = "PayPulse.OAuthSecrets.SecretsManager";

    /// <summary>The client that sends refresh requests to Google's token endpoint.</summary>
    public const string GoogleTokenEndpoint = "PayPulse.OAuthSecrets.GoogleTokenEndpoint";
}

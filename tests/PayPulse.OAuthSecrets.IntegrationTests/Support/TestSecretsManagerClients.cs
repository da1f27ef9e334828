using Amazon;
using Amazon.Runtime;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>Builds the library's own <see cref="SecretsManagerClient"/> against a moto server on loopback.</summary>
internal static class TestSecretsManagerClients
{
    /// <summary>Credentials for the plain moto fixture, which accepts any signature.</summary>
    public static AWSCredentials DummyCredentials { get; } = new BasicAWSCredentials("AKIDTEST", "secret");

    /// <summary>
    /// An <see cref="HttpClient"/> over the library's primary handler (never through a proxy), optionally behind
    /// <paramref name="outer"/>. Disposing the client disposes the handlers.
    /// </summary>
    public static HttpClient CreateHttpClient(DelegatingHandler? outer = null)
    {
        var primary = SecretsManagerClient.CreatePrimaryHandler();
        primary.UseProxy = false;
        if (outer is null)
        {
            return new HttpClient(primary);
        }

        outer.InnerHandler = primary;
        return new HttpClient(outer);
    }

    /// <summary>Options for a moto server: short retry delays so that a test that retries stays fast.</summary>
    public static OAuthSecretsOptions CreateOptions(Uri serviceUrl, AWSCredentials credentials) => new()
    {
        Region = MotoServer.Region,
        ServiceUrl = serviceUrl,
        Credentials = credentials,
        AttemptTimeout = TimeSpan.FromSeconds(10),
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>A client that signs with <paramref name="credentials"/> and sends through <paramref name="http"/>.</summary>
    public static SecretsManagerClient Create(
        HttpClient http,
        Uri serviceUrl,
        AWSCredentials credentials,
        Action<OAuthSecretsOptions>? configure = null,
        Func<double>? jitter = null)
    {
        var options = CreateOptions(serviceUrl, credentials);
        configure?.Invoke(options);
        return new SecretsManagerClient(
            http,
            new SecretsManagerEndpoint(serviceUrl, RegionEndpoint.GetBySystemName(MotoServer.Region)),
            options,
            TimeProvider.System,
            logger: null,
            jitter);
    }
}

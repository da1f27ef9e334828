using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets.Gmail;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.Maintenance;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// One process of the application as far as Gmail credentials go: a container built by <c>AddPayPulseOAuthSecrets</c>
/// against a moto server and a loopback token endpoint, with the library's Secrets Manager traffic recorded.
/// </summary>
internal sealed class GmailCredentialHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private GmailCredentialHost(ServiceProvider provider, SecretsManagerTrafficHandler traffic)
    {
        _provider = provider;
        SecretsManagerTraffic = traffic;
        Options = provider.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value;
        Factory = provider.GetRequiredService<IGmailCredentialFactory>();
        Store = provider.GetRequiredService<IOAuthTokenStore>();
        Maintenance = provider.GetRequiredService<IOAuthTokenMaintenance>();
    }

    /// <summary>Gets the credential factory resolved from the container.</summary>
    public IGmailCredentialFactory Factory { get; }

    /// <summary>Gets the token store resolved from the container.</summary>
    public IOAuthTokenStore Store { get; }

    /// <summary>Gets the maintenance sweep resolved from the container (sharing its store and refresh single flight).</summary>
    public IOAuthTokenMaintenance Maintenance { get; }

    /// <summary>Gets the validated options.</summary>
    public OAuthSecretsOptions Options { get; }

    /// <summary>Gets the record of every Secrets Manager request the library sent.</summary>
    public SecretsManagerTrafficHandler SecretsManagerTraffic { get; }

    /// <summary>
    /// Builds a container whose user secrets live under <paramref name="secretNamePrefix"/>, whose Google client id is
    /// read from the secret <paramref name="clientIdSecretName"/>, and which refreshes at <paramref name="tokenEndpoint"/>
    /// without waiting between retries. <paramref name="configureServices"/> runs first, so what it registers (a
    /// <see cref="TimeProvider"/>, say) wins over the library's defaults.
    /// </summary>
    public static GmailCredentialHost Create(
        Uri serviceUrl,
        string secretNamePrefix,
        string clientIdSecretName,
        Uri tokenEndpoint,
        Action<OAuthSecretsOptions>? configure = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var traffic = new SecretsManagerTrafficHandler();
        var services = new ServiceCollection();
        configureServices?.Invoke(services);
        services.AddPayPulseOAuthSecrets(options =>
        {
            options.Region = MotoServer.Region;
            options.ServiceUrl = serviceUrl;
            options.Credentials = new BasicAWSCredentials("test", "test");
            options.SecretNamePrefix = secretNamePrefix;
            options.ClientIdSecretName = clientIdSecretName;
            options.GoogleClientId = null;
            options.TokenEndpoint = tokenEndpoint;
            options.MaxAttempts = 3;
            options.RetryBaseDelay = TimeSpan.Zero;
            options.MaxRetryDelay = TimeSpan.Zero;
            configure?.Invoke(options);
        });

        // The library's named client is built once per handler lifetime; an infinite one means once per container, so
        // the single traffic handler instance is never reused in a second pipeline.
        services.AddHttpClient(OAuthSecretsHttpClientNames.SecretsManager)
            .AddHttpMessageHandler(() => traffic)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new GmailCredentialHost(provider, traffic);
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}

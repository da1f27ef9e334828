using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets;
using PayPulse.OAuthSecrets.Gmail;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.Gmail;
using PayPulse.OAuthSecrets.Internal.Maintenance;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Maintenance;

#pragma warning disable IDE0130 // DI extensions live in the DI namespace, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers PayPulse.OAuthSecrets in an <see cref="IServiceCollection"/>.</summary>
public static class OAuthSecretsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IOAuthTokenStore"/>, <see cref="IGmailCredentialFactory"/> and what they need, with options from code or configuration registered
    /// elsewhere, validated when the host starts. Every service is added with <c>TryAdd</c>, so calling this twice is
    /// harmless and any service can be replaced by registering it first.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddPayPulseOAuthSecrets(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<OAuthSecretsOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OAuthSecretsOptions>, OAuthSecretsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OAuthSecretsOptions>, OAuthSecretsOptionsCustomValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(sp => new OAuthSecretsTelemetry(sp.GetService<IMeterFactory>()));
        // Each attempt has its own timeout (AttemptTimeout); HttpClient's 100 s default must not cut in first.
        // Header values are never logged: requests carry SigV4 signatures and session tokens (Microsoft.Extensions.Http
        // before 9.0 logs them in full at Trace).
        services.AddHttpClient(OAuthSecretsHttpClientNames.SecretsManager, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(SecretsManagerClient.CreatePrimaryHandler)
            .RedactLoggedHeaders(static _ => true);
        services.AddHttpClient(OAuthSecretsHttpClientNames.GoogleTokenEndpoint)
            .ConfigurePrimaryHttpMessageHandler(TokenEndpointHttpClientFactory.CreatePrimaryHandler)
            .RedactLoggedHeaders(static _ => true);

        services.TryAddSingleton(sp => new InProcessSecretStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ISecretsManagerClient>(CreateSecretsManagerClient);
        services.TryAddSingleton(sp => new UserTokenStates(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value));
        services.TryAddSingleton(sp => new SecretsManagerOAuthTokenStore(
            sp.GetRequiredService<ISecretsManagerClient>(),
            sp.GetRequiredService<IOptions<OAuthSecretsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            Loggers(sp).CreateLogger<SecretsManagerOAuthTokenStore>(),
            sp.GetRequiredService<OAuthSecretsTelemetry>(),
            sp.GetRequiredService<UserTokenStates>()));
        services.TryAddSingleton<IOAuthTokenStore>(sp => sp.GetRequiredService<SecretsManagerOAuthTokenStore>());

        services.TryAddSingleton(sp => new GoogleClientIdProvider(
            sp.GetRequiredService<ISecretsManagerClient>(),
            sp.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            Loggers(sp).CreateLogger<GmailCredentialFactory>()));
        services.TryAddSingleton(sp => new GoogleTokenRefresher(
            sp.GetRequiredService<GoogleClientIdProvider>(),
            sp.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            Loggers(sp).CreateLogger<GmailCredentialFactory>(),
            () => sp.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(OAuthSecretsHttpClientNames.GoogleTokenEndpoint)));
        services.TryAddSingleton(sp => new UserRefreshCoordinator(
            sp.GetRequiredService<SecretsManagerOAuthTokenStore>(),
            sp.GetRequiredService<GoogleTokenRefresher>(),
            sp.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            Loggers(sp).CreateLogger<GmailCredentialFactory>(),
            sp.GetRequiredService<OAuthSecretsTelemetry>()));
        services.TryAddSingleton<IGmailCredentialFactory>(sp => new GmailCredentialFactory(
            sp.GetRequiredService<SecretsManagerOAuthTokenStore>(),
            sp.GetRequiredService<GoogleTokenRefresher>(),
            sp.GetRequiredService<UserRefreshCoordinator>(),
            sp.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IOAuthTokenMaintenance>(sp => new OAuthTokenMaintenance(
            sp.GetRequiredService<SecretsManagerOAuthTokenStore>(),
            sp.GetRequiredService<UserRefreshCoordinator>(),
            sp.GetRequiredService<ISecretsManagerClient>(),
            sp.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            Loggers(sp).CreateLogger<IOAuthTokenMaintenance>()));
        return services;
    }

    /// <summary>Registers PayPulse.OAuthSecrets with options set in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddPayPulseOAuthSecrets(this IServiceCollection services, Action<OAuthSecretsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        return services.AddPayPulseOAuthSecrets();
    }

    /// <summary>
    /// Registers PayPulse.OAuthSecrets with options bound from a configuration section, such as
    /// <c>configuration.GetSection("PayPulse:OAuthSecrets")</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section that holds the options.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddPayPulseOAuthSecrets(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OAuthSecretsOptions>().Bind(configuration);
        return services.AddPayPulseOAuthSecrets();
    }

    private static ISecretsManagerClient CreateSecretsManagerClient(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value;
        if (options.UseInProcessSecretStore)
        {
            // Once per container: this client is a singleton. A production host configured like this is visible in its logs.
            Log.InProcessSecretStoreInUse(Loggers(services).CreateLogger<InProcessSecretStore>());
            return services.GetRequiredService<InProcessSecretStore>();
        }

        return new SecretsManagerClient(
            services.GetRequiredService<IHttpClientFactory>().CreateClient(OAuthSecretsHttpClientNames.SecretsManager),
            SecretsManagerEndpoint.Resolve(options),
            options,
            services.GetRequiredService<TimeProvider>(),
            Loggers(services).CreateLogger<SecretsManagerClient>());
    }

    private static ILoggerFactory Loggers(IServiceProvider services) =>
        services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
}

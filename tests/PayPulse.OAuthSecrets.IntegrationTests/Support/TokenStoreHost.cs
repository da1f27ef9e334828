using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// A service provider with <see cref="IOAuthTokenStore"/> registered by <c>AddPayPulseOAuthSecrets</c> against a moto
/// server, standing in for one process of the application.
/// </summary>
internal sealed class TokenStoreHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private TokenStoreHost(ServiceProvider provider)
    {
        _provider = provider;
        Store = provider.GetRequiredService<IOAuthTokenStore>();
    }

    /// <summary>Gets the token store resolved from the container.</summary>
    public IOAuthTokenStore Store { get; }

    /// <summary>Builds a container whose store keeps user secrets under <paramref name="secretNamePrefix"/>.</summary>
    public static TokenStoreHost Create(
        Uri serviceUrl, string secretNamePrefix, AWSCredentials? credentials = null, Action<OAuthSecretsOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddPayPulseOAuthSecrets(options =>
        {
            options.Region = MotoServer.Region;
            options.ServiceUrl = serviceUrl;
            options.Credentials = credentials ?? TestSecretsManagerClients.DummyCredentials;
            options.SecretNamePrefix = secretNamePrefix;
            options.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
            options.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(options);
        });
        return new TokenStoreHost(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    /// <summary>A prefix no other test class uses: <c>it{guid}/user/</c>.</summary>
    public static string UniquePrefix() => $"it{Guid.NewGuid():N}/user/";

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}

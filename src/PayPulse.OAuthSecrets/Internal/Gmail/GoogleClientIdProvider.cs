using Microsoft.Extensions.Logging;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// The Google OAuth client id: <see cref="OAuthSecretsOptions.GoogleClientId"/> when set, else the plain-string secret
/// <see cref="OAuthSecretsOptions.ClientIdSecretName"/>, read once per process (a failed read is tried again next time).
/// </summary>
internal sealed class GoogleClientIdProvider(ISecretsManagerClient secrets, OAuthSecretsOptions options, ILogger logger)
{
    private readonly object _gate = new();
    private Task<string>? _load;

    public Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.GoogleClientId))
        {
            return Task.FromResult(options.GoogleClientId.Trim());
        }

        Task<string> load;
        lock (_gate)
        {
            if (_load is null || _load.IsFaulted || _load.IsCanceled)
            {
                _load = LoadAsync();
            }

            load = _load;
        }

        return load.WaitAsync(cancellationToken);
    }

    private async Task<string> LoadAsync()
    {
        var name = options.ClientIdSecretName;
        SecretValue value;
        try
        {
            using var timeout = new CancellationTokenSource(options.RefreshTimeout);
            value = await secrets.GetSecretValueAsync(name, timeout.Token).ConfigureAwait(false);
        }
        catch (SecretsManagerException ex) when (ex.Kind is SecretsManagerErrorKind.NotFound or SecretsManagerErrorKind.ScheduledForDeletion)
        {
            throw new OAuthSecretsConfigurationException(
                $"The Google OAuth client id secret '{name}' does not exist: store the iOS client id there as a plain " +
                "string, or set OAuthSecretsOptions.GoogleClientId.", ex);
        }

        var clientId = value.SecretString?.Trim();
        if (string.IsNullOrEmpty(clientId))
        {
            throw new OAuthSecretsConfigurationException(
                $"The Google OAuth client id secret '{name}' is empty or not a string: store the iOS client id there as a plain string.");
        }

        Log.ClientIdLoaded(logger, name);
        return clientId;
    }
}

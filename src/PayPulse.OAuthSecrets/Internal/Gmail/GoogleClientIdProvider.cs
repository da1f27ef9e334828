using Microsoft.Extensions.Logging;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// The Google OAuth client id: <see cref="OAuthSecretsOptions.GoogleClientId"/> when set, else the plain-string secret
/// <see cref="OAuthSecretsOptions.ClientIdSecretName"/>, read once per process (a failed read is tried again next time).
/// The read is shared by every caller, so it runs under its own <see cref="OAuthSecretsOptions.RefreshTimeout"/> on the
/// library's clock rather than under one caller's cancellation token.
/// </summary>
internal sealed class GoogleClientIdProvider(ISecretsManagerClient secrets, OAuthSecretsOptions options, TimeProvider timeProvider, ILogger logger)
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
        using var timeout = new CancellationTokenSource(options.RefreshTimeout, timeProvider);
        try
        {
            value = await secrets.GetSecretValueAsync(name, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            // Callers wait with their own tokens; this timeout is the library's, so it is not a cancellation.
            throw new SecretsManagerException(
                $"Reading the Google OAuth client id secret '{name}' took longer than {options.RefreshTimeout.TotalSeconds:0.###} s.",
                SecretsManagerErrorKind.Timeout,
                ex);
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

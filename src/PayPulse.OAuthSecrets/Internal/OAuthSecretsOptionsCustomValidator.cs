using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// The rules of <see cref="OAuthSecretsOptions"/> that attributes cannot say: time ranges, name rules, and that the
/// Secrets Manager endpoint and Region can be resolved (unless secrets are kept in process).
/// </summary>
internal sealed class OAuthSecretsOptionsCustomValidator : IValidateOptions<OAuthSecretsOptions>
{
    private readonly SecretsManagerEndpoint.EnvironmentReader _environment;

    public OAuthSecretsOptionsCustomValidator()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    internal OAuthSecretsOptionsCustomValidator(SecretsManagerEndpoint.EnvironmentReader environment)
    {
        _environment = environment;
    }

    public ValidateOptionsResult Validate(string? name, OAuthSecretsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();

        Range(builder, nameof(options.AttemptTimeout), options.AttemptTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Range(builder, nameof(options.RetryBaseDelay), options.RetryBaseDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Range(builder, nameof(options.MaxRetryDelay), options.MaxRetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Range(builder, nameof(options.BundleCacheDuration), options.BundleCacheDuration, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Range(builder, nameof(options.RecreateAfterDeletionTimeout), options.RecreateAfterDeletionTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Range(builder, nameof(options.RefreshBeforeExpiry), options.RefreshBeforeExpiry, TimeSpan.Zero, TimeSpan.FromMinutes(30));
        Range(builder, nameof(options.RefreshTimeout), options.RefreshTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

        // A pattern, not Enum.IsDefined: the same check without reading the enum's metadata on a cold start.
        if (options.RetryMode is not (SecretsManagerRetryMode.Standard or SecretsManagerRetryMode.Adaptive))
        {
            builder.AddError($"must be {nameof(SecretsManagerRetryMode.Standard)} or {nameof(SecretsManagerRetryMode.Adaptive)} (it is {options.RetryMode})", nameof(options.RetryMode));
        }

        if (options.IsTokenEndpointSet &&
            (options.TokenEndpoint is not { IsAbsoluteUri: true } endpoint || !SecretsManagerEndpoint.IsHttpsOrLoopback(endpoint)))
        {
            builder.AddError("must be an absolute https URL (http only to a loopback address)", nameof(options.TokenEndpoint));
        }

        if (options.SecretNamePrefix is { } prefix &&
            (prefix.Length > SecretsManagerLimits.MaxNameLength - SecretNames.MaxUserIdLength || !AreNameChars(prefix)))
        {
            builder.AddError(
                $"must be at most {SecretsManagerLimits.MaxNameLength - SecretNames.MaxUserIdLength} ASCII letters, digits and /_+=.@- characters",
                nameof(options.SecretNamePrefix));
        }

        if (!string.IsNullOrEmpty(options.ClientIdSecretName) &&
            (options.ClientIdSecretName.Length > SecretsManagerLimits.MaxNameLength || !AreNameChars(options.ClientIdSecretName)))
        {
            builder.AddError("is not a valid secret name", nameof(options.ClientIdSecretName));
        }

        if (options.GoogleClientId is { } clientId && string.IsNullOrWhiteSpace(clientId))
        {
            builder.AddError("is blank; leave it null to read the client id secret", nameof(options.GoogleClientId));
        }

        if (!options.UseInProcessSecretStore &&
            SecretsManagerEndpoint.TryResolve(options, _environment, out _) is { } endpointError)
        {
            builder.AddError(endpointError);
        }

        return builder.Build();
    }

    private static bool AreNameChars(string value)
    {
        foreach (var c in value)
        {
            if (!SecretsManagerLimits.IsNameChar(c))
            {
                return false;
            }
        }

        return true;
    }

    private static void Range(ValidateOptionsResultBuilder builder, string property, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            builder.AddError($"must be between {min} and {max} (it is {value})", property);
        }
    }
}

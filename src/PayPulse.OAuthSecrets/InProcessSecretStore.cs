using System.Net;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets;

/// <summary>
/// Secrets kept in this process instead of AWS Secrets Manager, used when
/// <see cref="OAuthSecretsOptions.UseInProcessSecretStore"/> is set: for local development, samples and the unit tests
/// of code that uses this library. It follows Secrets Manager's rules for names, sizes, creation, idempotent writes and
/// errors, so the token store behaves as it does against AWS. Nothing is persisted. Thread-safe.
/// </summary>
public sealed class InProcessSecretStore : ISecretsManagerClient
{
    private readonly Dictionary<string, Entry> _secrets = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance of the <see cref="InProcessSecretStore"/> class.</summary>
    public InProcessSecretStore()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InProcessSecretStore"/> class with a clock.</summary>
    /// <param name="timeProvider">The clock that dates secrets.</param>
    public InProcessSecretStore(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the names of the secrets that exist, in no particular order.</summary>
    public IReadOnlyCollection<string> Names
    {
        get
        {
            lock (_secrets)
            {
                return [.. _secrets.Keys];
            }
        }
    }

    /// <summary>Creates or overwrites a secret with a string value, for example to seed a test with a given JSON.</summary>
    /// <param name="name">The secret's name.</param>
    /// <param name="value">The secret's value.</param>
    public void SetSecretString(string name, string value)
    {
        SecretsManagerLimits.ValidateName(name);
        SecretsManagerLimits.ValidateSecretString(value, nameof(value));
        lock (_secrets)
        {
            _secrets[name] = NewEntry(name, value, SecretsManagerLimits.NewClientRequestToken());
        }
    }

    /// <summary>Reads a secret's current string value.</summary>
    /// <param name="name">The secret's name.</param>
    /// <returns>The value, or <see langword="null"/> when no such secret exists.</returns>
    public string? GetSecretString(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_secrets)
        {
            return _secrets.TryGetValue(name, out var entry) ? entry.Value : null;
        }
    }

    /// <summary>Deletes a secret at once.</summary>
    /// <param name="name">The secret's name.</param>
    /// <returns><see langword="true"/> when the secret existed.</returns>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_secrets)
        {
            return _secrets.Remove(name);
        }
    }

    /// <summary>Deletes every secret.</summary>
    public void Clear()
    {
        lock (_secrets)
        {
            _secrets.Clear();
        }
    }

    Task<SecretValue> ISecretsManagerClient.GetSecretValueAsync(string secretId, CancellationToken cancellationToken)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_secrets)
        {
            var entry = Find(secretId, "GetSecretValue");
            return Task.FromResult(new SecretValue(entry.Name, entry.Arn, entry.VersionId, entry.Value, null));
        }
    }

    Task<SecretWriteResult> ISecretsManagerClient.CreateSecretAsync(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secret);
        SecretsManagerLimits.ValidateName(secret.Name, nameof(secret));
        SecretsManagerLimits.ValidateSecretString(secret.SecretString, nameof(secret));
        SecretsManagerLimits.ValidateClientRequestToken(clientRequestToken);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_secrets)
        {
            if (_secrets.TryGetValue(secret.Name, out var existing))
            {
                if (string.Equals(existing.VersionId, clientRequestToken, StringComparison.Ordinal) &&
                    string.Equals(existing.Value, secret.SecretString, StringComparison.Ordinal))
                {
                    return Task.FromResult(existing.WriteResult);
                }

                throw Error("CreateSecret", secret.Name, SecretsManagerErrorKind.AlreadyExists, "ResourceExistsException",
                    $"The operation failed because the secret {secret.Name} already exists.");
            }

            var entry = NewEntry(secret.Name, secret.SecretString, clientRequestToken);
            _secrets[secret.Name] = entry;
            return Task.FromResult(entry.WriteResult);
        }
    }

    Task<SecretWriteResult> ISecretsManagerClient.PutSecretValueAsync(string secretId, string secretString, string clientRequestToken, CancellationToken cancellationToken)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        SecretsManagerLimits.ValidateSecretString(secretString);
        SecretsManagerLimits.ValidateClientRequestToken(clientRequestToken);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_secrets)
        {
            var existing = Find(secretId, "PutSecretValue");
            if (string.Equals(existing.VersionId, clientRequestToken, StringComparison.Ordinal))
            {
                return string.Equals(existing.Value, secretString, StringComparison.Ordinal)
                    ? Task.FromResult(existing.WriteResult)
                    : throw Error("PutSecretValue", secretId, SecretsManagerErrorKind.AlreadyExists, "ResourceExistsException",
                        "You can't use this ClientRequestToken because that value is already in use for a version of the secret.");
            }

            var entry = existing with { Value = secretString, VersionId = clientRequestToken, LastChanged = _timeProvider.GetUtcNow() };
            _secrets[existing.Name] = entry;
            return Task.FromResult(entry.WriteResult);
        }
    }

    Task ISecretsManagerClient.DeleteSecretAsync(string secretId, bool forceDeleteWithoutRecovery, CancellationToken cancellationToken)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_secrets)
        {
            _secrets.Remove(secretId);
        }

        return Task.CompletedTask;
    }

    Task<SecretDescription> ISecretsManagerClient.DescribeSecretAsync(string secretId, CancellationToken cancellationToken)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_secrets)
        {
            var entry = Find(secretId, "DescribeSecret");
            return Task.FromResult(new SecretDescription(entry.Name, entry.Arn, null, entry.Created, entry.LastChanged, null));
        }
    }

    private Entry Find(string secretId, string operation) =>
        _secrets.TryGetValue(secretId, out var entry)
            ? entry
            : throw Error(operation, secretId, SecretsManagerErrorKind.NotFound, "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret.");

    private Entry NewEntry(string name, string value, string versionId)
    {
        var now = _timeProvider.GetUtcNow();
        return new Entry(name, $"arn:aws:secretsmanager:local:000000000000:secret:{name}", value, versionId, now, now);
    }

    private static SecretsManagerException Error(string operation, string secretId, SecretsManagerErrorKind kind, string code, string message) =>
        new($"In-process {operation} on '{secretId}' failed: {code}: {message}", kind, code, HttpStatusCode.BadRequest, requestId: null);

    private sealed record Entry(string Name, string Arn, string Value, string VersionId, DateTimeOffset Created, DateTimeOffset LastChanged)
    {
        public SecretWriteResult WriteResult => new(Name, Arn, VersionId);
    }
}

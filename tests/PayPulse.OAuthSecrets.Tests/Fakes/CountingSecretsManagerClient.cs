using System.Collections.Concurrent;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>Passes every call to an inner client and counts the calls by operation.</summary>
internal sealed class CountingSecretsManagerClient(ISecretsManagerClient inner) : ISecretsManagerClient
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public int this[string operation] => _calls.GetValueOrDefault(operation);

    public int Total => _calls.Values.Sum();

    public void Reset() => _calls.Clear();

    public Task<SecretValue> GetSecretValueAsync(string secretId, CancellationToken cancellationToken = default)
    {
        Count("Get");
        return inner.GetSecretValueAsync(secretId, cancellationToken);
    }

    public Task<SecretWriteResult> CreateSecretAsync(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken = default)
    {
        Count("Create");
        return inner.CreateSecretAsync(secret, clientRequestToken, cancellationToken);
    }

    public Task<SecretWriteResult> PutSecretValueAsync(string secretId, string secretString, string clientRequestToken, CancellationToken cancellationToken = default)
    {
        Count("Put");
        return inner.PutSecretValueAsync(secretId, secretString, clientRequestToken, cancellationToken);
    }

    public Task DeleteSecretAsync(string secretId, bool forceDeleteWithoutRecovery = true, CancellationToken cancellationToken = default)
    {
        Count("Delete");
        return inner.DeleteSecretAsync(secretId, forceDeleteWithoutRecovery, cancellationToken);
    }

    public Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellationToken = default)
    {
        Count("Describe");
        return inner.DescribeSecretAsync(secretId, cancellationToken);
    }

    private void Count(string operation) => _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
}

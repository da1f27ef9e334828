using System.Collections.Concurrent;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>Passes every call to an inner client and counts the calls by operation.</summary>
internal sealed class CountingSecretsManagerClient(ISecretsManagerClient inner) : ISecretsManagerClient
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _secretCalls = new(StringComparer.Ordinal);

    public int this[string operation] => _calls.GetValueOrDefault(operation);

    public int Total => _calls.Values.Sum();

    /// <summary>Gets or sets an exception every PutSecretValue throws (after being counted).</summary>
    public Exception? FailPutsWith { get; set; }

    /// <summary>Gets or sets an exception every DeleteSecret throws (after being counted).</summary>
    public Exception? FailDeletesWith { get; set; }

    public int CallsFor(string secretId) => _secretCalls.GetValueOrDefault(secretId);

    public void Reset()
    {
        _calls.Clear();
        _secretCalls.Clear();
    }

    /// <summary>Gets or sets an action run after each GetSecretValue answered (to write in between, say).</summary>
    public Action<string>? AfterGet { get; set; }

    public async Task<SecretValue> GetSecretValueAsync(string secretId, CancellationToken cancellationToken = default)
    {
        Count("Get", secretId);
        var value = await inner.GetSecretValueAsync(secretId, cancellationToken);
        AfterGet?.Invoke(secretId);
        return value;
    }

    public Task<SecretWriteResult> CreateSecretAsync(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken = default)
    {
        Count("Create", secret.Name);
        return inner.CreateSecretAsync(secret, clientRequestToken, cancellationToken);
    }

    public Task<SecretWriteResult> PutSecretValueAsync(string secretId, string secretString, string clientRequestToken, CancellationToken cancellationToken = default)
    {
        Count("Put", secretId);
        if (FailPutsWith is { } failure)
        {
            return Task.FromException<SecretWriteResult>(failure);
        }

        return inner.PutSecretValueAsync(secretId, secretString, clientRequestToken, cancellationToken);
    }

    public Task<SecretWriteResult> PutSecretValueAsync(
        string secretId, string secretString, string clientRequestToken, string versionStage, CancellationToken cancellationToken = default)
    {
        Count("Put", secretId);
        if (FailPutsWith is { } failure)
        {
            return Task.FromException<SecretWriteResult>(failure);
        }

        return inner.PutSecretValueAsync(secretId, secretString, clientRequestToken, versionStage, cancellationToken);
    }

    /// <summary>Gets or sets an action run before each UpdateSecretVersionStage is passed on (to write in between, say).</summary>
    public Action<string>? BeforeStageMove { get; set; }

    public Task UpdateSecretVersionStageAsync(
        string secretId, string versionStage, string moveToVersionId, string removeFromVersionId, CancellationToken cancellationToken = default)
    {
        Count("UpdateStage", secretId);
        BeforeStageMove?.Invoke(secretId);
        return inner.UpdateSecretVersionStageAsync(secretId, versionStage, moveToVersionId, removeFromVersionId, cancellationToken);
    }

    public Task DeleteSecretAsync(string secretId, bool forceDeleteWithoutRecovery = true, CancellationToken cancellationToken = default)
    {
        Count("Delete", secretId);
        if (FailDeletesWith is { } failure)
        {
            return Task.FromException(failure);
        }

        return inner.DeleteSecretAsync(secretId, forceDeleteWithoutRecovery, cancellationToken);
    }

    public Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellationToken = default)
    {
        Count("Describe", secretId);
        return inner.DescribeSecretAsync(secretId, cancellationToken);
    }

    private void Count(string operation, string secretId)
    {
        _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        _secretCalls.AddOrUpdate(secretId, 1, (_, n) => n + 1);
    }

    public Task<SecretListPage> ListSecretsAsync(string namePrefix, string? nextToken, CancellationToken cancellationToken = default)
    {
        Count("List", namePrefix);
        return inner.ListSecretsAsync(namePrefix, nextToken, cancellationToken);
    }
}

using System.Net;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets;

/// <summary>
/// Secrets kept in this process instead of AWS Secrets Manager, used when
/// <see cref="OAuthSecretsOptions.UseInProcessSecretStore"/> is set: for local development, samples and the unit tests
/// of code that uses this library. It follows Secrets Manager's rules for names, sizes, creation, idempotent writes,
/// versions and staging labels, and errors, so the token store behaves as it does against AWS. Nothing is persisted. Thread-safe.
/// <c>AddPayPulseOAuthSecrets</c> registers one as a singleton: with <see cref="OAuthSecretsOptions.UseInProcessSecretStore"/>
/// set, resolve it from the container to seed or inspect the secrets the library uses, named
/// <c>{SecretNamePrefix}{userId}</c>.
/// </summary>
public sealed class InProcessSecretStore : ISecretsManagerClient
{
    private const string CurrentStage = "AWSCURRENT";
    private const string PreviousStage = "AWSPREVIOUS";

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

    /// <summary>
    /// Creates a secret, or writes a new current version of it as a plain <c>PutSecretValue</c> would (as the Python
    /// Lambdas write), for example to seed a test with a given JSON.
    /// </summary>
    /// <param name="name">The secret's name.</param>
    /// <param name="value">The secret's value.</param>
    public void SetSecretString(string name, string value)
    {
        SecretsManagerLimits.ValidateName(name);
        SecretsManagerLimits.ValidateSecretString(value, nameof(value));
        lock (_secrets)
        {
            if (_secrets.TryGetValue(name, out var entry))
            {
                // As a plain PutSecretValue: a new current version.
                entry.Add(new Version(SecretsManagerLimits.NewClientRequestToken(), value), CurrentStage, _timeProvider.GetUtcNow());
            }
            else
            {
                _secrets[name] = NewEntry(name, value, SecretsManagerLimits.NewClientRequestToken());
            }
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
            return _secrets.TryGetValue(name, out var entry) ? entry.Current.Value : null;
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
            var current = entry.Current;
            return Task.FromResult(new SecretValue(entry.Name, entry.Arn, current.Id, current.Value, null));
        }
    }

    Task<SecretWriteResult> ISecretsManagerClient.CreateSecretAsync(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken) =>
        Budgeted(() => CreateSecret(secret, clientRequestToken, cancellationToken), cancellationToken);

    Task ISecretsManagerClient.UpdateSecretVersionStageAsync(
        string secretId, string versionStage, string moveToVersionId, string removeFromVersionId, CancellationToken cancellationToken) =>
        Budgeted(() => UpdateSecretVersionStage(secretId, versionStage, moveToVersionId, removeFromVersionId, cancellationToken), cancellationToken);

    Task ISecretsManagerClient.DeleteSecretAsync(string secretId, bool forceDeleteWithoutRecovery, CancellationToken cancellationToken) =>
        Budgeted(() => DeleteSecret(secretId, cancellationToken), cancellationToken);

    private Task<SecretWriteResult> CreateSecret(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken)
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
                if (existing.Versions.Count == 1 &&
                    existing.Versions[0] is { } only &&
                    string.Equals(only.Id, clientRequestToken, StringComparison.Ordinal) &&
                    string.Equals(only.Value, secret.SecretString, StringComparison.Ordinal))
                {
                    return Task.FromResult(existing.WriteResult(only));
                }

                throw Error("CreateSecret", secret.Name, SecretsManagerErrorKind.AlreadyExists, "ResourceExistsException",
                    $"The operation failed because the secret {secret.Name} already exists.");
            }

            var entry = NewEntry(secret.Name, secret.SecretString, clientRequestToken);
            _secrets[secret.Name] = entry;
            return Task.FromResult(entry.WriteResult(entry.Current));
        }
    }

    Task<SecretWriteResult> ISecretsManagerClient.PutSecretValueAsync(string secretId, string secretString, string clientRequestToken, CancellationToken cancellationToken) =>
        Put(secretId, secretString, clientRequestToken, CurrentStage, cancellationToken);

    Task<SecretWriteResult> ISecretsManagerClient.PutSecretValueAsync(
        string secretId, string secretString, string clientRequestToken, string versionStage, CancellationToken cancellationToken)
    {
        SecretsManagerLimits.ValidateVersionStage(versionStage);
        return Put(secretId, secretString, clientRequestToken, versionStage, cancellationToken);
    }

    private Task UpdateSecretVersionStage(
        string secretId, string versionStage, string moveToVersionId, string removeFromVersionId, CancellationToken cancellationToken)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        SecretsManagerLimits.ValidateVersionStage(versionStage);
        ArgumentException.ThrowIfNullOrEmpty(moveToVersionId);
        ArgumentException.ThrowIfNullOrEmpty(removeFromVersionId);
        cancellationToken.ThrowIfCancellationRequested();
        const string Operation = "UpdateSecretVersionStage";
        lock (_secrets)
        {
            var entry = Find(secretId, Operation);
            var target = entry.Find(moveToVersionId) ?? throw InvalidParameter(secretId, $"Not a valid version: {moveToVersionId}");
            var from = entry.Find(removeFromVersionId) ?? throw InvalidParameter(secretId, $"Not a valid version: {removeFromVersionId}");
            if (!from.Stages.Contains(versionStage))
            {
                // As on AWS: the label must still be on the version named, so a stale move fails.
                throw InvalidParameter(secretId, $"Version stage {versionStage} not found in version {removeFromVersionId}");
            }

            entry.MoveStage(versionStage, target);
            if (string.Equals(versionStage, CurrentStage, StringComparison.Ordinal) && !ReferenceEquals(from, target))
            {
                entry.MoveStage(PreviousStage, from);
                entry.LastChanged = _timeProvider.GetUtcNow();
            }

            entry.Prune();
        }

        return Task.CompletedTask;
    }

    private Task DeleteSecret(string secretId, CancellationToken cancellationToken)
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

    Task<SecretListPage> ISecretsManagerClient.ListSecretsAsync(string namePrefix, string? nextToken, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(namePrefix);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_secrets)
        {
            // Pages in ordinal name order; the next token is the last name of the page.
            var names = _secrets.Keys
                .Where(n => n.StartsWith(namePrefix, StringComparison.Ordinal) &&
                            (nextToken is null || string.CompareOrdinal(n, nextToken) > 0))
                .Order(StringComparer.Ordinal)
                .Take(SecretListPage.MaxResults + 1)
                .ToList();
            var more = names.Count > SecretListPage.MaxResults;
            if (more)
            {
                names.RemoveAt(names.Count - 1);
            }

            return Task.FromResult(new SecretListPage(names, more ? names[^1] : null));
        }
    }

    /// <summary>Runs one write once the sweep it belongs to (if any) has a write permit for it.</summary>
    private static Task<T> Budgeted<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        var permit = SecretsManagerWriteBudget.WaitAsync(cancellationToken);
        if (permit.IsCompletedSuccessfully)
        {
            permit.GetAwaiter().GetResult();
            return write();
        }

        return AfterPermitAsync(permit, write);

        static async Task<T> AfterPermitAsync(ValueTask permit, Func<Task<T>> write)
        {
            await permit.ConfigureAwait(false);
            return await write().ConfigureAwait(false);
        }
    }

    private static Task Budgeted(Func<Task> write, CancellationToken cancellationToken)
    {
        var permit = SecretsManagerWriteBudget.WaitAsync(cancellationToken);
        if (permit.IsCompletedSuccessfully)
        {
            permit.GetAwaiter().GetResult();
            return write();
        }

        return AfterPermitAsync(permit, write);

        static async Task AfterPermitAsync(ValueTask permit, Func<Task> write)
        {
            await permit.ConfigureAwait(false);
            await write().ConfigureAwait(false);
        }
    }

    private Task<SecretWriteResult> Put(string secretId, string secretString, string clientRequestToken, string stage, CancellationToken cancellationToken) =>
        Budgeted(() => PutCore(secretId, secretString, clientRequestToken, stage, cancellationToken), cancellationToken);

    private Task<SecretWriteResult> PutCore(string secretId, string secretString, string clientRequestToken, string stage, CancellationToken cancellationToken)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        SecretsManagerLimits.ValidateSecretString(secretString);
        SecretsManagerLimits.ValidateClientRequestToken(clientRequestToken);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_secrets)
        {
            var entry = Find(secretId, "PutSecretValue");
            if (entry.Find(clientRequestToken) is { } used)
            {
                return string.Equals(used.Value, secretString, StringComparison.Ordinal)
                    ? Task.FromResult(entry.WriteResult(used))
                    : throw Error("PutSecretValue", secretId, SecretsManagerErrorKind.AlreadyExists, "ResourceExistsException",
                        "You can't use this ClientRequestToken because that value is already in use for a version of the secret.");
            }

            entry.Add(new Version(clientRequestToken, secretString), stage, _timeProvider.GetUtcNow());
            return Task.FromResult(entry.WriteResult(entry.Versions[^1]));
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
        var entry = new Entry(name, $"arn:aws:secretsmanager:local:000000000000:secret:{name}", now);
        entry.Add(new Version(versionId, value), CurrentStage, now);
        return entry;
    }

    private static SecretsManagerException InvalidParameter(string secretId, string message) =>
        Error("UpdateSecretVersionStage", secretId, SecretsManagerErrorKind.InvalidParameter, "InvalidParameterException", message);

    private static SecretsManagerException Error(string operation, string secretId, SecretsManagerErrorKind kind, string code, string message) =>
        new($"In-process {operation} on '{secretId}' failed: {code}: {message}", kind, code, HttpStatusCode.BadRequest, requestId: null);

    /// <summary>A secret and its versions, with Secrets Manager's staging-label rules: each label on at most one version.</summary>
    private sealed class Entry(string name, string arn, DateTimeOffset created)
    {
        // Secrets Manager keeps up to about 100 versions that lost their labels (none younger than a day); so does this
        // store, so that a pending version is never gone before its stage move.
        private const int UnlabeledVersionsKept = 100;

        public string Name { get; } = name;

        public string Arn { get; } = arn;

        public DateTimeOffset Created { get; } = created;

        public DateTimeOffset LastChanged { get; set; } = created;

        public List<Version> Versions { get; } = [];

        public Version Current => Versions.First(v => v.Stages.Contains(CurrentStage));

        public Version? Find(string versionId) => Versions.Find(v => string.Equals(v.Id, versionId, StringComparison.Ordinal));

        public void Add(Version version, string stage, DateTimeOffset now)
        {
            var previous = Versions.Find(v => v.Stages.Contains(CurrentStage));
            Versions.Add(version);
            MoveStage(stage, version);
            if (string.Equals(stage, CurrentStage, StringComparison.Ordinal))
            {
                if (previous is not null)
                {
                    MoveStage(PreviousStage, previous);
                }

                LastChanged = now;
            }

            Prune();
        }

        /// <summary>Puts <paramref name="stage"/> on <paramref name="target"/> only.</summary>
        public void MoveStage(string stage, Version target)
        {
            foreach (var version in Versions)
            {
                version.Stages.Remove(stage);
            }

            target.Stages.Add(stage);
        }

        public void Prune()
        {
            var unlabeled = Versions.Count(v => v.Stages.Count == 0);
            for (var i = 0; i < Versions.Count && unlabeled > UnlabeledVersionsKept;)
            {
                if (Versions[i].Stages.Count == 0)
                {
                    Versions.RemoveAt(i);
                    unlabeled--;
                }
                else
                {
                    i++;
                }
            }
        }

        public SecretWriteResult WriteResult(Version version) => new(Name, Arn, version.Id);
    }

    private sealed record Version(string Id, string Value)
    {
        public HashSet<string> Stages { get; } = new(StringComparer.Ordinal);
    }
}

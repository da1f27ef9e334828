namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// The Secrets Manager operations the library needs. Every method validates its arguments before any request,
/// retries transient failures, and throws <see cref="SecretsManagerException"/> for service errors.
/// </summary>
internal interface ISecretsManagerClient
{
    /// <summary>GetSecretValue of the current (AWSCURRENT) version.</summary>
    Task<SecretValue> GetSecretValueAsync(string secretId, CancellationToken cancellationToken = default);

    /// <summary>CreateSecret with a value. The same <paramref name="clientRequestToken"/> is sent on every retry.</summary>
    Task<SecretWriteResult> CreateSecretAsync(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken = default);

    /// <summary>PutSecretValue. The same <paramref name="clientRequestToken"/> is sent on every retry.</summary>
    Task<SecretWriteResult> PutSecretValueAsync(string secretId, string secretString, string clientRequestToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// PutSecretValue under one staging label other than AWSCURRENT: the new version is not current until
    /// <see cref="UpdateSecretVersionStageAsync"/> moves AWSCURRENT to it. The same <paramref name="clientRequestToken"/>
    /// (the new version's id) is sent on every retry.
    /// </summary>
    Task<SecretWriteResult> PutSecretValueAsync(
        string secretId, string secretString, string clientRequestToken, string versionStage, CancellationToken cancellationToken = default);

    /// <summary>
    /// UpdateSecretVersionStage: moves <paramref name="versionStage"/> to <paramref name="moveToVersionId"/> from
    /// <paramref name="removeFromVersionId"/>. Fails (<see cref="SecretsManagerErrorKind.InvalidParameter"/>) when
    /// <paramref name="removeFromVersionId"/> does not hold the label: the compare-and-swap of a conditional write.
    /// </summary>
    Task UpdateSecretVersionStageAsync(
        string secretId, string versionStage, string moveToVersionId, string removeFromVersionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// DeleteSecret, by default without a recovery window. A forced delete succeeds when the secret does not exist;
    /// one with a recovery window fails with <see cref="SecretsManagerErrorKind.NotFound"/>.
    /// </summary>
    Task DeleteSecretAsync(string secretId, bool forceDeleteWithoutRecovery = true, CancellationToken cancellationToken = default);

    /// <summary>DescribeSecret.</summary>
    Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of ListSecrets, filtered to names that start with <paramref name="namePrefix"/> (the service's name
    /// filter, then an ordinal check, since the service's filter is not case-sensitive). Secrets scheduled for deletion
    /// are not listed. The listing is eventually consistent: it may lag changes of the last minutes.
    /// </summary>
    /// <param name="namePrefix">The start every listed name has.</param>
    /// <param name="nextToken">The previous page's <see cref="SecretListPage.NextToken"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<SecretListPage> ListSecretsAsync(string namePrefix, string? nextToken, CancellationToken cancellationToken = default);
}

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// Credentials provisioned on an auth-enforcing moto server by <c>Scripts/moto_iam_setup.py</c>: a long-lived
/// IAM user key and temporary credentials from assuming a role as that user. Both may call GetSecretValue,
/// CreateSecret, PutSecretValue, DeleteSecret, DescribeSecret and UpdateSecret on any secret (not ListSecrets).
/// </summary>
/// <param name="UserAccessKeyId">The IAM user's access key id (AKIA…).</param>
/// <param name="UserSecretAccessKey">The IAM user's secret access key.</param>
/// <param name="SessionAccessKeyId">The assumed-role session's access key id (ASIA…).</param>
/// <param name="SessionSecretAccessKey">The assumed-role session's secret access key.</param>
/// <param name="SessionToken">The assumed-role session token; moto requires it verbatim in X-Amz-Security-Token.</param>
public sealed record MotoIamCredentials(
    string UserAccessKeyId,
    string UserSecretAccessKey,
    string SessionAccessKeyId,
    string SessionSecretAccessKey,
    string SessionToken)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"MotoIamCredentials {{ UserAccessKeyId = {UserAccessKeyId}, SessionAccessKeyId = {SessionAccessKeyId} }}";
}

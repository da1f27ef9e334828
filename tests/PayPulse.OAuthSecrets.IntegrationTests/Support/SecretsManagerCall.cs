namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>One Secrets Manager request the library sent, as seen by <see cref="SecretsManagerTrafficHandler"/>.</summary>
/// <param name="Operation">The action, such as <c>GetSecretValue</c> (the X-Amz-Target without its prefix).</param>
/// <param name="SecretId">The <c>SecretId</c> (or <c>Name</c>) in the request body, when it has one.</param>
internal sealed record SecretsManagerCall(string Operation, string? SecretId)
{
    /// <summary>Gets a value indicating whether the call writes: CreateSecret, PutSecretValue, UpdateSecretVersionStage or DeleteSecret.</summary>
    public bool IsWrite => Operation is "CreateSecret" or "PutSecretValue" or "UpdateSecretVersionStage" or "DeleteSecret";
}

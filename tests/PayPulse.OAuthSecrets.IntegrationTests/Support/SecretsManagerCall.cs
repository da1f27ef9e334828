namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>One Secrets Manager request the library sent, as seen by <see cref="SecretsManagerTrafficHandler"/>.</summary>
/// <param name="Operation">The action, such as <c>GetSecretValue</c> (the X-Amz-Target without its prefix).</param>
/// <param name="SecretId">The <c>SecretId</c> (or <c>Name</c>) in the request body, when it has one.</param>
internal sealed record SecretsManagerCall(string Operation, string? SecretId);

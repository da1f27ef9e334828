namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>What CreateSecret or PutSecretValue reports: the secret and the version that was written.</summary>
internal sealed record SecretWriteResult(string Name, string? Arn, string? VersionId);

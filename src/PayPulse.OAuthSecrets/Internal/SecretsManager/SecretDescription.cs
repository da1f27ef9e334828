namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>A secret's metadata as DescribeSecret reports it (no value).</summary>
internal sealed record SecretDescription(
    string Name,
    string? Arn,
    string? KmsKeyId,
    DateTimeOffset? CreatedDate,
    DateTimeOffset? LastChangedDate,
    DateTimeOffset? DeletedDate)
{
    /// <summary>Gets a value indicating whether the secret is scheduled for deletion.</summary>
    public bool IsScheduledForDeletion => DeletedDate is not null;
}

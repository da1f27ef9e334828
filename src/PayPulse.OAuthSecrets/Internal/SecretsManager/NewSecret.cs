using System.Text;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>What CreateSecret needs. <see cref="ToString"/> never prints the value.</summary>
internal sealed record NewSecret(string Name, string SecretString)
{
    public string? Description { get; init; }

    public string? KmsKeyId { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name).Append(", SecretString = ***, KmsKeyId = ").Append(KmsKeyId);
        return true;
    }
}

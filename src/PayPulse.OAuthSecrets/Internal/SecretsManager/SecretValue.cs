using System.Text;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>The current value of a secret. <see cref="ToString"/> never prints the value.</summary>
internal sealed record SecretValue(string Name, string? Arn, string? VersionId, string? SecretString, byte[]? SecretBinary)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", Arn = ").Append(Arn)
            .Append(", VersionId = ").Append(VersionId)
            .Append(", SecretString = ").Append(SecretString is null ? "null" : "***")
            .Append(", SecretBinary = ").Append(SecretBinary is null ? "null" : "***");
        return true;
    }
}

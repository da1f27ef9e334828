using System.Text.Json.Serialization;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// The request and response bodies of the AWS JSON 1.1 protocol for the operations this library uses.
/// Member names are the service's; timestamps are epoch seconds.
/// </summary>
internal static class SecretsManagerWire
{
    internal sealed class SecretIdRequest
    {
        public required string SecretId { get; init; }
    }

    internal sealed class CreateSecretRequest
    {
        public required string Name { get; init; }

        public required string ClientRequestToken { get; init; }

        public required string SecretString { get; init; }

        public string? Description { get; init; }

        public string? KmsKeyId { get; init; }

        public IReadOnlyList<Tag>? Tags { get; init; }
    }

    internal sealed class Tag
    {
        public required string Key { get; init; }

        public required string Value { get; init; }
    }

    internal sealed class PutSecretValueRequest
    {
        public required string SecretId { get; init; }

        public required string ClientRequestToken { get; init; }

        public required string SecretString { get; init; }

        public IReadOnlyList<string>? VersionStages { get; init; }
    }

    internal sealed class UpdateSecretVersionStageRequest
    {
        public required string SecretId { get; init; }

        public required string VersionStage { get; init; }

        public required string MoveToVersionId { get; init; }

        public required string RemoveFromVersionId { get; init; }
    }

    internal sealed class DeleteSecretRequest
    {
        public required string SecretId { get; init; }

        public bool? ForceDeleteWithoutRecovery { get; init; }

        public int? RecoveryWindowInDays { get; init; }
    }

    internal sealed class ListSecretsRequest
    {
        public int? MaxResults { get; init; }

        public string? NextToken { get; init; }

        public IReadOnlyList<Filter>? Filters { get; init; }
    }

    internal sealed class Filter
    {
        public required string Key { get; init; }

        public required IReadOnlyList<string> Values { get; init; }
    }

    internal sealed class ListSecretsResponse
    {
        public IReadOnlyList<SecretListEntry>? SecretList { get; init; }

        public string? NextToken { get; init; }
    }

    internal sealed class SecretListEntry
    {
        [JsonPropertyName("ARN")]
        public string? Arn { get; init; }

        public string? Name { get; init; }

        public double? DeletedDate { get; init; }
    }

    internal sealed class GetSecretValueResponse
    {
        [JsonPropertyName("ARN")]
        public string? Arn { get; init; }

        public string? Name { get; init; }

        public string? VersionId { get; init; }

        public string? SecretString { get; init; }

        public byte[]? SecretBinary { get; init; }
    }

    internal sealed class WriteSecretResponse
    {
        [JsonPropertyName("ARN")]
        public string? Arn { get; init; }

        public string? Name { get; init; }

        public string? VersionId { get; init; }
    }

    internal sealed class UpdateSecretVersionStageResponse
    {
        [JsonPropertyName("ARN")]
        public string? Arn { get; init; }

        public string? Name { get; init; }
    }

    internal sealed class DeleteSecretResponse
    {
        [JsonPropertyName("ARN")]
        public string? Arn { get; init; }

        public string? Name { get; init; }

        public double? DeletionDate { get; init; }
    }

    internal sealed class DescribeSecretResponse
    {
        [JsonPropertyName("ARN")]
        public string? Arn { get; init; }

        public string? Name { get; init; }

        public string? KmsKeyId { get; init; }

        public double? CreatedDate { get; init; }

        public double? LastChangedDate { get; init; }

        public double? DeletedDate { get; init; }
    }
}

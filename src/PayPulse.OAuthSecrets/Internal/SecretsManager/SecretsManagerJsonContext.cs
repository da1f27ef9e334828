using System.Text.Json.Serialization;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>Source-generated (trim- and AOT-safe) serialization of the Secrets Manager wire types.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(SecretsManagerWire.SecretIdRequest))]
[JsonSerializable(typeof(SecretsManagerWire.CreateSecretRequest))]
[JsonSerializable(typeof(SecretsManagerWire.PutSecretValueRequest))]
[JsonSerializable(typeof(SecretsManagerWire.UpdateSecretVersionStageRequest))]
[JsonSerializable(typeof(SecretsManagerWire.UpdateSecretVersionStageResponse))]
[JsonSerializable(typeof(SecretsManagerWire.DeleteSecretRequest))]
[JsonSerializable(typeof(SecretsManagerWire.GetSecretValueResponse))]
[JsonSerializable(typeof(SecretsManagerWire.WriteSecretResponse))]
[JsonSerializable(typeof(SecretsManagerWire.DeleteSecretResponse))]
[JsonSerializable(typeof(SecretsManagerWire.DescribeSecretResponse))]
[JsonSerializable(typeof(SecretsManagerWire.ListSecretsRequest))]
[JsonSerializable(typeof(SecretsManagerWire.ListSecretsResponse))]
internal sealed partial class SecretsManagerJsonContext : JsonSerializerContext;

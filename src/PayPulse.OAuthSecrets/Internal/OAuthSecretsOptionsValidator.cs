using Microsoft.Extensions.Options;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>The attribute rules of <see cref="OAuthSecretsOptions"/>, generated at build time (no reflection).</summary>
[OptionsValidator]
internal sealed partial class OAuthSecretsOptionsValidator : IValidateOptions<OAuthSecretsOptions>;

using Amazon.Runtime;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// Credentials already resolved, handed to the signer so that signing never resolves (and never waits) again.
/// </summary>
internal sealed class FixedAwsCredentials(ImmutableCredentials credentials) : AWSCredentials
{
    public override ImmutableCredentials GetCredentials() => credentials;

    public override Task<ImmutableCredentials> GetCredentialsAsync() => Task.FromResult(credentials);
}

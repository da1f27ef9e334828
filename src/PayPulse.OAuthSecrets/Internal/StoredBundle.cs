using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// A user's token bundle as read from (or written to) Secrets Manager, with the id of the secret version that holds it:
/// the base of every conditional write.
/// </summary>
internal sealed class StoredBundle(TokenBundleDocument document, string versionId)
{
    /// <summary>Gets the stored document (bundle and unknown keys).</summary>
    public TokenBundleDocument Document { get; } = document;

    /// <summary>Gets the id of the secret version that holds <see cref="Document"/>.</summary>
    public string VersionId { get; } = versionId;

    /// <summary>Gets the bundle.</summary>
    public OAuthTokenBundle Bundle => Document.Bundle;

    /// <summary>Gets the refresh token: the identity of the grant the bundle holds.</summary>
    public string? RefreshToken => Document.Bundle.RefreshToken;

    /// <inheritdoc />
    public override string ToString() => $"StoredBundle {{ VersionId = {VersionId}, Bundle = {Bundle} }}";
}

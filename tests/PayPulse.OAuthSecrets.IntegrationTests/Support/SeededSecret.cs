using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>One secret <see cref="SweepSeeder"/> created, as it was created.</summary>
/// <param name="Name">The secret's name.</param>
/// <param name="UserId">The user id after the prefix (for <see cref="SeededState.InvalidUserId"/>, the invalid rest of the name).</param>
/// <param name="State">What it holds.</param>
/// <param name="Grant">The OAuth server's grant it holds, for the states that hold one.</param>
/// <param name="SecretString">The value written; <see langword="null"/> for <see cref="SeededState.Binary"/>.</param>
/// <param name="VersionId">The version CreateSecret made.</param>
/// <param name="CreatedAt">The <c>created_at</c> written, when one was.</param>
internal sealed record SeededSecret(
    string Name,
    string UserId,
    SeededState State,
    Grant? Grant,
    string? SecretString,
    string VersionId,
    DateTimeOffset? CreatedAt)
{
    /// <summary>Keeps the value (tokens) out of test output.</summary>
    public override string ToString() => $"SeededSecret {{ Name = {Name}, State = {State}, VersionId = {VersionId} }}";
}

using Amazon.Runtime;

namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>
/// Refreshing AWS credentials that hand out a new session token (<c>token-1</c>, <c>token-2</c>, …) each time the SDK
/// asks them to refresh, and count how often that was.
/// </summary>
internal sealed class RotatingTestCredentials : RefreshingAWSCredentials
{
    private int _generated;

    public int Generated => Volatile.Read(ref _generated);

    protected override CredentialsRefreshState GenerateNewCredentials() => Next();

    protected override Task<CredentialsRefreshState> GenerateNewCredentialsAsync() => Task.FromResult(Next());

    private CredentialsRefreshState Next()
    {
        var n = Interlocked.Increment(ref _generated);
        return new CredentialsRefreshState(
            new ImmutableCredentials("AKIDROTATING", "secret-key", $"token-{n}"),
            new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc));
    }
}

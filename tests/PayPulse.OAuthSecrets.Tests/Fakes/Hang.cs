namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>Calls that never answer: they end only when their token is cancelled.</summary>
internal static class Hang
{
    public static async Task<T> UntilCancelledAsync<T>(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable: an infinite delay ends only by cancellation");
    }
}

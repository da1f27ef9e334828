namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// Ready-made <see cref="RotatingOAuthServer.OnArrival"/> / <see cref="RotatingOAuthServer.BeforeAnswer"/> hooks.
/// Each waits asynchronously and observes the server's stopping token.
/// </summary>
public static class TokenExchangeHooks
{
    /// <summary>
    /// Delays each request by a pseudo-random time in [0, <paramref name="maxDelay"/>] that depends only on
    /// <paramref name="seed"/> and the request's <see cref="TokenExchange.Sequence"/>, so a run can be repeated.
    /// </summary>
    public static Func<TokenExchange, CancellationToken, Task> SeededDelay(int seed, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, TimeSpan.Zero);
        return (exchange, cancellationToken) =>
        {
            ArgumentNullException.ThrowIfNull(exchange);
            var fraction = new Random(unchecked((seed * 397) ^ exchange.Sequence)).NextDouble();
            return Task.Delay(maxDelay * fraction, cancellationToken);
        };
    }

    /// <summary>Holds every request until <paramref name="gate"/> completes.</summary>
    public static Func<TokenExchange, CancellationToken, Task> HoldUntil(Task gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        return (_, cancellationToken) => gate.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Holds requests until <paramref name="participants"/> of them have arrived, then lets them all go at once (later
    /// ones pass straight through). As an <see cref="RotatingOAuthServer.OnArrival"/> hook it makes N concurrent
    /// requests really race for the server's decision.
    /// </summary>
    public static Func<TokenExchange, CancellationToken, Task> Barrier(int participants)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(participants, 1);
        var arrived = 0;
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (_, cancellationToken) =>
        {
            if (Interlocked.Increment(ref arrived) >= participants)
            {
                released.TrySetResult();
            }

            return released.Task.WaitAsync(cancellationToken);
        };
    }
}

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Bounded polling for conditions that become true on another thread or process.</summary>
public static class Eventually
{
    /// <summary>The default bound of <see cref="WaitUntilAsync"/>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan _pollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Waits until <paramref name="condition"/> holds, checking it every few milliseconds.</summary>
    /// <param name="condition">The condition; called on a pool thread, so it must be thread-safe.</param>
    /// <param name="description">What is awaited, for the failure message ("the token endpoint has 2 requests").</param>
    /// <param name="timeout">How long to wait at most; <see cref="DefaultTimeout"/> when <see langword="null"/>.</param>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    public static async Task WaitUntilAsync(Func<bool> condition, string description, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        using var expired = new CancellationTokenSource(limit);
        while (!condition())
        {
            try
            {
                await Task.Delay(_pollInterval, expired.Token);
            }
            catch (OperationCanceledException)
            {
                if (condition())
                {
                    return;
                }

                throw new TimeoutException($"Gave up after {limit.TotalSeconds:0.#} s waiting until {description}.");
            }
        }
    }
}

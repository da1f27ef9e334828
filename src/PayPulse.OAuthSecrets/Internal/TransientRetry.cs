using Polly;
using Polly.Retry;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// The one retry policy of the library, for Secrets Manager calls and Google token requests alike: up to
/// <see cref="OAuthSecretsOptions.MaxAttempts"/> attempts, transient failures only, capped exponential backoff with full
/// jitter, waits on the library's <see cref="TimeProvider"/>. Caller cancellation is never retried.
/// </summary>
internal static class TransientRetry
{
    /// <summary>The wait before retry number <paramref name="retry"/> (0-based): full jitter over a capped exponential.</summary>
    public static TimeSpan BackoffDelay(int retry, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30));
        var cap = Math.Min(exponential, maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Clamp(random, 0, 1) * cap);
    }

    /// <summary>Builds the pipeline.</summary>
    /// <param name="options">Attempts and backoff.</param>
    /// <param name="timeProvider">The clock the waits run on.</param>
    /// <param name="jitter">A random number in [0, 1] per wait.</param>
    /// <param name="isTransient">Which failures are retried.</param>
    /// <param name="onRetry">Told the failure, the number of the next attempt (1-based) and the wait before it.</param>
    /// <param name="delayOverride">
    /// The wait a failure itself asks for (a server's <c>Retry-After</c>), used instead of the backoff; null for none.
    /// </param>
    public static ResiliencePipeline Create(
        OAuthSecretsOptions options,
        TimeProvider timeProvider,
        Func<double> jitter,
        Func<Exception, bool> isTransient,
        Action<Exception, int, TimeSpan> onRetry,
        Func<Exception, TimeSpan?>? delayOverride = null)
    {
        if (options.MaxAttempts <= 1)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && isTransient(ex)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    (args.Outcome.Exception is { } ex ? delayOverride?.Invoke(ex) : null) ??
                    BackoffDelay(args.AttemptNumber, options.RetryBaseDelay, options.MaxRetryDelay, jitter())),
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception!, args.AttemptNumber + 2, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }
}

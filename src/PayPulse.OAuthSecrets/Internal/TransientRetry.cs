using PayPulse.OAuthSecrets.Internal.Retry;
using Polly;
using Polly.Retry;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// The one retry policy of the library, for Secrets Manager calls and Google token requests alike: up to
/// <see cref="OAuthSecretsOptions.MaxAttempts"/> attempts, transient failures only, capped exponential backoff with full
/// jitter, waits on the library's <see cref="TimeProvider"/>. Caller cancellation is never retried.
/// With a <see cref="RetryBudget"/> (Secrets Manager), every retry is paid for from the client's retry quota and is not
/// made when the quota cannot pay, and in adaptive mode every attempt first waits for a send token.
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
    /// <param name="budget">The client's retry quota and rate limiter; <see langword="null"/> for none.</param>
    /// <param name="onQuotaExhausted">Told the transient failure that is not retried because the quota cannot pay.</param>
    /// <param name="delayOverride">
    /// The wait a failure itself asks for (a server's <c>Retry-After</c>), used instead of the backoff; null for none.
    /// </param>
    public static ResiliencePipeline Create(
        OAuthSecretsOptions options,
        TimeProvider timeProvider,
        Func<double> jitter,
        Func<Exception, bool> isTransient,
        Action<Exception, int, TimeSpan> onRetry,
        RetryBudget? budget = null,
        Action<Exception>? onQuotaExhausted = null,
        Func<Exception, TimeSpan?>? delayOverride = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxAttempts <= 1 && budget?.RateLimiter is null)
        {
            return ResiliencePipeline.Empty;
        }

        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception, args.AttemptNumber, args.Context)),
                // A server's wait replaces the backoff; a zero one (or a date already past) does not, so that
                // "Retry-After: 0" never makes every attempt go back to back.
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    (args.Outcome.Exception is { } ex && delayOverride?.Invoke(ex) is { } asked && asked > TimeSpan.Zero ? asked : (TimeSpan?)null) ??
                    BackoffDelay(args.AttemptNumber, options.RetryBaseDelay, options.MaxRetryDelay, jitter())),
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception!, args.AttemptNumber + 2, args.RetryDelay);
                    return default;
                },
            });
        }

        if (budget is not null)
        {
            // Added last, so innermost: once per attempt, inside the retry loop.
            builder.AddStrategy(_ => new RetryBudgetStrategy(budget));
        }

        return builder.Build();

        // Polly asks this after every attempt, the last one included, and retries when it says yes unless that was the
        // last attempt or the caller cancelled; the quota is charged only for a retry that will be made.
        bool ShouldRetry(Exception? failure, int attempt, ResilienceContext context)
        {
            if (failure is null || !isTransient(failure))
            {
                return false;
            }

            if (budget is null || attempt >= options.MaxAttempts - 1 || context.CancellationToken.IsCancellationRequested)
            {
                return true;
            }

            if (budget.TryPayForRetry(context, failure))
            {
                return true;
            }

            onQuotaExhausted?.Invoke(failure);
            return false;
        }
    }
}

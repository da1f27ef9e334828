using Polly;

namespace PayPulse.OAuthSecrets.Internal.Retry;

/// <summary>
/// What one client's calls share across retries: the <see cref="RetryQuota"/>, and in adaptive mode the
/// <see cref="AdaptiveRateLimiter"/>, with the service's rules for which failures are timeouts and throttles.
/// <see cref="TransientRetry"/> pays for retries from it and settles each attempt with it.
/// </summary>
internal sealed class RetryBudget
{
    private static readonly ResiliencePropertyKey<int> LastRetryCostKey = new("PayPulse.OAuthSecrets.LastRetryCost");

    private readonly Func<Exception, bool> _isTimeout;
    private readonly Func<Exception, bool> _isThrottling;

    public RetryBudget(RetryQuota quota, AdaptiveRateLimiter? rateLimiter, Func<Exception, bool> isTimeout, Func<Exception, bool> isThrottling)
    {
        ArgumentNullException.ThrowIfNull(quota);
        ArgumentNullException.ThrowIfNull(isTimeout);
        ArgumentNullException.ThrowIfNull(isThrottling);
        Quota = quota;
        RateLimiter = rateLimiter;
        _isTimeout = isTimeout;
        _isThrottling = isThrottling;
    }

    /// <summary>Gets the retry quota.</summary>
    public RetryQuota Quota { get; }

    /// <summary>Gets the client-side rate limiter, in adaptive mode only.</summary>
    public AdaptiveRateLimiter? RateLimiter { get; }

    /// <summary>
    /// The budget of one Secrets Manager client: a full quota, and a rate limiter if <see cref="OAuthSecretsOptions.RetryMode"/>
    /// is <see cref="SecretsManagerRetryMode.Adaptive"/>. Timeouts are <see cref="SecretsManagerErrorKind.Timeout"/> (the
    /// attempt timeout, <c>RequestTimeout</c> codes, HTTP 408); throttles are <see cref="SecretsManagerErrorKind.Throttled"/>.
    /// </summary>
    public static RetryBudget ForSecretsManager(OAuthSecretsOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RetryBudget(
            new RetryQuota(),
            options.RetryMode == SecretsManagerRetryMode.Adaptive ? new AdaptiveRateLimiter(timeProvider) : null,
            static ex => ex is SecretsManagerException { Kind: SecretsManagerErrorKind.Timeout },
            static ex => ex is SecretsManagerException { Kind: SecretsManagerErrorKind.Throttled });
    }

    /// <summary>
    /// Pays for retrying after <paramref name="failure"/> and remembers the cost in the call's context, for the refund
    /// if the retry succeeds.
    /// </summary>
    /// <returns><see langword="false"/> if the quota cannot pay: the call is not retried.</returns>
    public bool TryPayForRetry(ResilienceContext context, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cost = RetryQuota.CostOfRetry(_isTimeout(failure));
        if (!Quota.TryAcquire(cost))
        {
            return false;
        }

        context.Properties.Set(LastRetryCostKey, cost);
        return true;
    }

    /// <summary>Waits for a send token in adaptive mode; returns at once otherwise.</summary>
    public ValueTask BeforeAttemptAsync(CancellationToken cancellationToken) =>
        RateLimiter is { } limiter ? limiter.AcquireAsync(cancellationToken) : default;

    /// <summary>
    /// Settles a call's first attempt that succeeded outside the pipeline (see <see cref="LazyRetryPipeline"/>) as
    /// <see cref="AfterAttempt"/> settles it: no retry was paid for, so the quota gets one token back.
    /// </summary>
    public void AfterFirstAttemptSucceeded()
    {
        RateLimiter?.UpdateSendingRate(throttled: false);
        Quota.ReleaseAfterSuccess(0);
    }

    /// <summary>
    /// Settles one attempt: its answer feeds the rate limiter (a throttle lowers the rate, any other outcome raises it),
    /// and a success gives back to the quota what the call's last retry cost, or one token on a first-attempt success.
    /// An attempt the caller cancelled is not counted.
    /// </summary>
    public void AfterAttempt(ResilienceContext context, Exception? failure)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (failure is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return;
        }

        RateLimiter?.UpdateSendingRate(failure is not null && _isThrottling(failure));
        if (failure is null)
        {
            Quota.ReleaseAfterSuccess(context.Properties.GetValue(LastRetryCostKey, 0));
        }
    }
}

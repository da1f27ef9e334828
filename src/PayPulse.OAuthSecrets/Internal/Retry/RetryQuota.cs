namespace PayPulse.OAuthSecrets.Internal.Retry;

/// <summary>
/// The AWS standard retry mode's retry quota: a token bucket of <see cref="DefaultCapacity"/> tokens that every retry
/// of one client pays for (<see cref="RetryCost"/>, or <see cref="TimeoutRetryCost"/> after a timeout). A retried call
/// that succeeds gives back what its last retry cost; a call that succeeds at once gives back
/// <see cref="NoRetryIncrement"/>; the bucket never holds more than its capacity. When it cannot pay, the call is not
/// retried. Lock-free and safe for any number of concurrent calls.
/// </summary>
/// <remarks>
/// The rules and numbers are those of the AWS SDK for .NET (<c>CapacityManager</c>: 100 retries × 5 tokens, 10 for a
/// timeout, 1 back per first-attempt success) and botocore (<c>RetryQuotaChecker</c>). Unlike the .NET SDK, which keeps
/// one bucket per service URL in a static map, a bucket belongs to one client, as in botocore and the AWS SDK for Java
/// 2.x; the library has one Secrets Manager client (one endpoint) per service container.
/// </remarks>
internal sealed class RetryQuota
{
    /// <summary>The capacity of the AWS SDKs' bucket: 500 tokens, 100 retries at the normal cost.</summary>
    public const int DefaultCapacity = 500;

    /// <summary>What one retry costs.</summary>
    public const int RetryCost = 5;

    /// <summary>What one retry after a timeout costs.</summary>
    public const int TimeoutRetryCost = 10;

    /// <summary>What a call that succeeds on its first attempt gives back.</summary>
    public const int NoRetryIncrement = 1;

    private int _available;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="capacity">The most tokens the bucket holds; <see cref="DefaultCapacity"/> unless a test says otherwise.</param>
    public RetryQuota(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _available = capacity;
    }

    /// <summary>Gets the most tokens the bucket holds.</summary>
    public int Capacity { get; }

    /// <summary>Gets the tokens left now.</summary>
    public int Available => Volatile.Read(ref _available);

    /// <summary>The cost of retrying after a failure: <see cref="TimeoutRetryCost"/> after a timeout, else <see cref="RetryCost"/>.</summary>
    public static int CostOfRetry(bool afterTimeout) => afterTimeout ? TimeoutRetryCost : RetryCost;

    /// <summary>Takes <paramref name="cost"/> tokens if the bucket holds that many; otherwise takes nothing.</summary>
    /// <returns><see langword="true"/> if the retry is paid for.</returns>
    public bool TryAcquire(int cost)
    {
        var available = Volatile.Read(ref _available);
        while (available >= cost)
        {
            var seen = Interlocked.CompareExchange(ref _available, available - cost, available);
            if (seen == available)
            {
                return true;
            }

            available = seen;
        }

        return false;
    }

    /// <summary>Gives back <paramref name="amount"/> tokens, never filling the bucket beyond its capacity.</summary>
    public void Release(int amount)
    {
        var available = Volatile.Read(ref _available);
        while (available < Capacity)
        {
            var seen = Interlocked.CompareExchange(ref _available, Math.Min(Capacity, available + amount), available);
            if (seen == available)
            {
                return;
            }

            available = seen;
        }
    }

    /// <summary>
    /// Settles a call that succeeded: gives back what its last retry cost (<paramref name="lastRetryCost"/>), or
    /// <see cref="NoRetryIncrement"/> if it succeeded on its first attempt (<paramref name="lastRetryCost"/> zero).
    /// </summary>
    public void ReleaseAfterSuccess(int lastRetryCost) => Release(lastRetryCost > 0 ? lastRetryCost : NoRetryIncrement);
}

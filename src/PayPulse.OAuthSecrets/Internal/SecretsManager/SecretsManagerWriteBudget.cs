using System.Threading.RateLimiting;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// A cap on Secrets Manager writes (CreateSecret, PutSecretValue, UpdateSecretVersionStage, DeleteSecret): never more
/// than <c>writesPerSecond</c> requests in any one-second window. It is carried ambiently (an
/// <see cref="AsyncLocal{T}"/>) by the work that runs under it, a maintenance sweep, so that the writes of the refresh
/// flights and deletes that work starts are paced too, while live callers' writes are not; each client takes a permit
/// for every request it sends, retries and re-sent requests included.
/// </summary>
/// <remarks>
/// A <see cref="SlidingWindowRateLimiter"/> of <see cref="SegmentsPerWindow"/> segments of <see cref="Segment"/>, moved
/// on by a <see cref="TimeProvider"/> timer: a permit taken in a segment comes back only when the window has moved past
/// it, so any <see cref="SegmentsPerWindow"/> consecutive segments hold at most the limit. Any interval of
/// <c>(SegmentsPerWindow - 1) × Segment</c> = 1.05 s touches at most that many segments, and a timer that fires late
/// only makes segments longer: so any one-second window of requests holds at most the limit, with 50 ms to spare for
/// the time between taking a permit and the request reaching the service. The price is a steady rate of about
/// <c>limit / 1.2 s</c>.
/// <para>
/// The limiter itself moves the window only when a full <see cref="Segment"/> has passed since it last did, by its own
/// <see cref="System.Diagnostics.Stopwatch"/> (so no segment is ever shorter). A timer ticking once a segment would
/// arrive a little early about every other tick and be ignored, doubling those segments and halving the rate; it ticks
/// every <see cref="Tick"/> instead, so each segment ends at most a tick (and the timer's lateness) after its 50 ms.
/// </para>
/// </remarks>
internal sealed class SecretsManagerWriteBudget : IDisposable
{
    /// <summary>The length of one segment of the sliding window.</summary>
    public static readonly TimeSpan Segment = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the timer asks the limiter to move the window on: a fifth of a <see cref="Segment"/>.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    /// <summary>The segments of the window: 1.1 s in all.</summary>
    public const int SegmentsPerWindow = 22;

    private static readonly AsyncLocal<SecretsManagerWriteBudget?> Ambient = new();

    private readonly SlidingWindowRateLimiter _limiter;
    private readonly ITimer _timer;

    /// <summary>Initializes a new instance of the <see cref="SecretsManagerWriteBudget"/> class.</summary>
    /// <param name="writesPerSecond">The most writes in any one-second window.</param>
    /// <param name="timeProvider">The time the window moves by.</param>
    public SecretsManagerWriteBudget(int writesPerSecond, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writesPerSecond, 1);
        ArgumentNullException.ThrowIfNull(timeProvider);
        WritesPerSecond = writesPerSecond;
        _limiter = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = writesPerSecond,
            Window = Segment * SegmentsPerWindow,
            SegmentsPerWindow = SegmentsPerWindow,
            AutoReplenishment = false,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _timer = timeProvider.CreateTimer(static state => ((SlidingWindowRateLimiter)state!).TryReplenish(), _limiter, Tick, Tick);
    }

    /// <summary>Gets the budget the current work runs under, if any.</summary>
    public static SecretsManagerWriteBudget? Current => Ambient.Value;

    /// <summary>Gets the most writes in any one-second window.</summary>
    public int WritesPerSecond { get; }

    /// <summary>
    /// Makes <paramref name="budget"/> the budget of the calling async flow and of everything it starts from now on.
    /// Called inside an async method, it ends with that method.
    /// </summary>
    public static void Use(SecretsManagerWriteBudget? budget) => Ambient.Value = budget;

    /// <summary>Waits for a permit to send one write, when the current work runs under a budget.</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    public static ValueTask WaitAsync(CancellationToken cancellationToken) =>
        Ambient.Value is { } budget ? budget.AcquireAsync(cancellationToken) : ValueTask.CompletedTask;

    /// <summary>Stops the window. Writes that wait for a permit, or come later, go ahead: the work the budget paced has ended.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        _limiter.Dispose();
    }

    private ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            var lease = _limiter.AttemptAcquire(1);
            if (lease.IsAcquired)
            {
                lease.Dispose();
                return ValueTask.CompletedTask;
            }

            lease.Dispose();
            return WaitForPermitAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            return ValueTask.CompletedTask;
        }
    }

    private async ValueTask WaitForPermitAsync(CancellationToken cancellationToken)
    {
        try
        {
            // A lease that is not acquired comes only from a disposed limiter (the queue is unbounded).
            using var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

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
/// A <see cref="SlidingWindowRateLimiter"/> of <see cref="SegmentsPerWindow"/> segments of <see cref="Segment"/>: a
/// permit taken in a segment comes back only when the window has moved past it, so any
/// <see cref="SegmentsPerWindow"/> consecutive segments hold at most the limit. The limiter moves its window only when a
/// full segment has passed since it last did, by its own <c>Stopwatch</c>, so no segment is ever shorter than 50 ms and
/// the window runs on real time, not on a <see cref="TimeProvider"/>. Any interval of
/// <c>(SegmentsPerWindow - 1) × Segment</c> = 1.05 s therefore touches at most <see cref="SegmentsPerWindow"/> segments
/// and holds at most the limit: any one-second window of requests does, with 50 ms to spare for the time between taking
/// a permit and the request reaching the service.
/// <para>
/// The limiter's own timer ticks once a segment; a tick that comes a little early is ignored, which doubles that segment
/// (about every other one), so the budget asks it every <see cref="Tick"/> instead: each segment then ends at most a tick
/// (and the timer's lateness) after its 50 ms, for a steady rate of about <c>limit / 1.2 s</c>.
/// </para>
/// </remarks>
internal sealed class SecretsManagerWriteBudget : IDisposable
{
    /// <summary>The length of one segment of the sliding window.</summary>
    public static readonly TimeSpan Segment = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the window is asked to move on: a fifth of a <see cref="Segment"/>.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    /// <summary>The segments of the window: 1.1 s in all.</summary>
    public const int SegmentsPerWindow = 22;

    private static readonly AsyncLocal<SecretsManagerWriteBudget?> Ambient = new();

    private readonly SlidingWindowRateLimiter _limiter;
    private readonly ITimer _ticks;

    /// <summary>Initializes a new instance of the <see cref="SecretsManagerWriteBudget"/> class.</summary>
    /// <param name="writesPerSecond">The most writes in any one-second window.</param>
    public SecretsManagerWriteBudget(int writesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writesPerSecond, 1);
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

        // Real time, whatever the caller's TimeProvider: the limiter measures its segments by Stopwatch.
        _ticks = TimeProvider.System.CreateTimer(static state => ((SlidingWindowRateLimiter)state!).TryReplenish(), _limiter, Tick, Tick);
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
        _ticks.Dispose();
        _limiter.Dispose();
    }

    private ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Completed at once while a permit is free. Otherwise the limiter's own task, completed when the window frees
            // one (or with a failed lease when the budget is disposed: the write then goes ahead). A replenishing
            // limiter's lease holds nothing: permits come back with the window, not with the lease.
            var permit = _limiter.AcquireAsync(1, cancellationToken);
            if (permit.IsCompletedSuccessfully)
            {
                permit.Result.Dispose();
                return ValueTask.CompletedTask;
            }

            return new ValueTask(permit.AsTask());
        }
        catch (ObjectDisposedException)
        {
            return ValueTask.CompletedTask;
        }
    }
}

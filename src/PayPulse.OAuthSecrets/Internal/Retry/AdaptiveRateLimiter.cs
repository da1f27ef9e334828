namespace PayPulse.OAuthSecrets.Internal.Retry;

/// <summary>
/// The AWS SDKs' adaptive retry mode's client-side rate limiter: a token bucket whose fill rate follows the service's
/// throttling answers with CUBIC congestion control. It stays open until the first throttle; from then on every attempt
/// takes one token, waiting on the library's <see cref="TimeProvider"/> when none is left.
/// </summary>
/// <remarks>
/// The rules and constants are those of the AWS SDK for .NET (<c>TokenBucket</c>) and botocore (<c>ClientRateLimiter</c>,
/// <c>RateClocker</c>, <c>CubicCalculator</c>, <c>bucket.TokenBucket</c>):
/// <list type="bullet">
/// <item>The send rate is measured in half-second buckets, smoothed 0.8 new / 0.2 old.</item>
/// <item>On a throttle: the rate in force (the measured rate, or the fill rate if lower once enabled) becomes CUBIC's
/// <c>W_max</c>, the new rate is <c>0.7 × W_max</c> (β), and <c>K = ∛(W_max × (1 − β) / C)</c> with <c>C = 0.4</c>.</item>
/// <item>On any other answer: the new rate is <c>C × (t − t_throttle − K)³ + W_max</c>, back to <c>W_max</c> after
/// <c>K</c> seconds and growing beyond it.</item>
/// <item>The new rate is at most twice the measured rate; the fill rate is at least 0.5 per second and the bucket holds
/// at least one token.</item>
/// </list>
/// Waiters that find the bucket empty sleep until a token is due and look again; nothing fails fast.
/// </remarks>
internal sealed class AdaptiveRateLimiter
{
    /// <summary>The lowest fill rate, in tokens per second.</summary>
    public const double MinFillRate = 0.5;

    /// <summary>The smallest capacity of the bucket.</summary>
    public const double MinCapacity = 1;

    /// <summary>CUBIC's multiplicative decrease.</summary>
    public const double Beta = 0.7;

    /// <summary>CUBIC's scale constant.</summary>
    public const double ScaleConstant = 0.4;

    /// <summary>The weight of the newest measurement of the send rate.</summary>
    public const double Smoothing = 0.8;

    /// <summary>The length of one measurement bucket of the send rate, in seconds.</summary>
    public const double MeasurementBucketSeconds = 0.5;

    private readonly object _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _origin;

    private bool _enabled;
    private double _fillRate = MinFillRate;
    private double _maxCapacity = MinCapacity;
    private double _capacity;
    private double? _lastRefill;

    private double _measuredRate;
    private double _lastMeasurementBucket;
    private int _requestCount;

    private double _lastMaxRate;
    private double _lastThrottleTime;
    private double _timeWindow;

    /// <summary>Creates a limiter that is open until the first throttle.</summary>
    public AdaptiveRateLimiter(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>Gets a value indicating whether a throttle has been seen, so that attempts wait for tokens.</summary>
    public bool IsEnabled
    {
        get
        {
            lock (_gate)
            {
                return _enabled;
            }
        }
    }

    /// <summary>Gets the rate at which tokens are added, per second.</summary>
    public double FillRate
    {
        get
        {
            lock (_gate)
            {
                return _fillRate;
            }
        }
    }

    /// <summary>Gets the smoothed rate at which responses were received, per second.</summary>
    public double MeasuredSendRate
    {
        get
        {
            lock (_gate)
            {
                return _measuredRate;
            }
        }
    }

    /// <summary>Gets the tokens in the bucket now (fractions included).</summary>
    public double AvailableTokens
    {
        get
        {
            lock (_gate)
            {
                Refill(Now());
                return _capacity;
            }
        }
    }

    /// <summary>
    /// Waits until a token is available and takes it; returns at once while no throttle has been seen. The wait runs on
    /// the library's <see cref="TimeProvider"/> and ends early only by <paramref name="cancellationToken"/>.
    /// </summary>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (!TryAcquire(out var wait))
        {
            await Task.Delay(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes a token if one is available (always, while no throttle has been seen); otherwise tells how long until one
    /// is due, in whole milliseconds rounded up so that the token is there when the wait ends.
    /// </summary>
    public bool TryAcquire(out TimeSpan wait)
    {
        lock (_gate)
        {
            wait = TimeSpan.Zero;
            if (!_enabled)
            {
                return true;
            }

            Refill(Now());
            if (_capacity >= 1)
            {
                _capacity -= 1;
                return true;
            }

            wait = TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling((1 - _capacity) / _fillRate * 1000)));
            return false;
        }
    }

    /// <summary>Feeds one answer of the service into the send rate: a throttle lowers it, anything else raises it.</summary>
    /// <param name="throttled">Whether the answer was a throttling error.</param>
    public void UpdateSendingRate(bool throttled)
    {
        lock (_gate)
        {
            var now = Now();
            UpdateMeasuredRate(now);

            double calculated;
            if (throttled)
            {
                var rateToUse = _enabled ? Math.Min(_measuredRate, _fillRate) : _measuredRate;
                _lastMaxRate = rateToUse;
                _timeWindow = Math.Cbrt(_lastMaxRate * (1 - Beta) / ScaleConstant);
                _lastThrottleTime = now;
                calculated = rateToUse * Beta;
                _enabled = true;
            }
            else
            {
                _timeWindow = Math.Cbrt(_lastMaxRate * (1 - Beta) / ScaleConstant);
                var sinceZeroPoint = now - _lastThrottleTime - _timeWindow;
                calculated = (ScaleConstant * sinceZeroPoint * sinceZeroPoint * sinceZeroPoint) + _lastMaxRate;
            }

            SetRate(Math.Min(calculated, 2 * _measuredRate), now);
        }
    }

    private double Now() => _timeProvider.GetElapsedTime(_origin).TotalSeconds;

    private void UpdateMeasuredRate(double now)
    {
        var bucket = Math.Floor(now / MeasurementBucketSeconds) * MeasurementBucketSeconds;
        _requestCount++;
        if (bucket > _lastMeasurementBucket)
        {
            var currentRate = _requestCount / (bucket - _lastMeasurementBucket);
            _measuredRate = (currentRate * Smoothing) + (_measuredRate * (1 - Smoothing));
            _requestCount = 0;
            _lastMeasurementBucket = bucket;
        }
    }

    private void SetRate(double rate, double now)
    {
        Refill(now);
        _fillRate = Math.Max(rate, MinFillRate);
        _maxCapacity = Math.Max(rate, MinCapacity);
        _capacity = Math.Min(_capacity, _maxCapacity);
    }

    private void Refill(double now)
    {
        if (_lastRefill is not { } last)
        {
            _lastRefill = now;
            return;
        }

        _capacity = Math.Min(_maxCapacity, _capacity + ((now - last) * _fillRate));
        _lastRefill = now;
    }
}

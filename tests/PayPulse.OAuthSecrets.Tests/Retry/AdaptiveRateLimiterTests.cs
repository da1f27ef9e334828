using PayPulse.OAuthSecrets.Internal.Retry;

namespace PayPulse.OAuthSecrets.Tests.Retry;

public sealed class AdaptiveRateLimiterTests
{
    private readonly ObservedTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    [Fact]
    public void BeforeAnyThrottle_AttemptsNeverWait()
    {
        var limiter = new AdaptiveRateLimiter(_time);
        for (var i = 0; i < 100; i++)
        {
            limiter.UpdateSendingRate(throttled: false);
        }

        for (var i = 0; i < 100; i++)
        {
            limiter.TryAcquire(out var wait).Should().BeTrue();
            wait.Should().Be(TimeSpan.Zero);
        }

        limiter.IsEnabled.Should().BeFalse();
    }

    [Fact]
    public void Throttle_CutsTheRateToSeventyPercentOfTheMeasuredSendRate()
    {
        var limiter = new AdaptiveRateLimiter(_time);
        SendAt(limiter, perSecond: 20, seconds: 3);
        var measured = limiter.MeasuredSendRate;
        measured.Should().BeApproximately(20, 0.5, "20 answers per second for 3 s, smoothed");

        limiter.UpdateSendingRate(throttled: true);

        limiter.IsEnabled.Should().BeTrue();
        limiter.FillRate.Should().BeApproximately(AdaptiveRateLimiter.Beta * limiter.MeasuredSendRate, 1e-9);
    }

    [Fact]
    public void RepeatedThrottles_KeepCuttingTheRate_DownToTheFloor()
    {
        var limiter = new AdaptiveRateLimiter(_time);
        SendAt(limiter, perSecond: 20, seconds: 3);

        var rates = new List<double>();
        for (var i = 0; i < 30; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            limiter.UpdateSendingRate(throttled: true);
            rates.Add(limiter.FillRate);
        }

        rates.Should().BeInDescendingOrder();
        rates[^1].Should().Be(AdaptiveRateLimiter.MinFillRate, "0.7^30 × 20 is below the floor of 0.5 per second");
    }

    [Fact]
    public void AfterAThrottle_SuccessesRaiseTheRate_BackToTheRateBeforeIt_AndBeyond()
    {
        var limiter = new AdaptiveRateLimiter(_time);
        SendAt(limiter, perSecond: 20, seconds: 3);
        limiter.UpdateSendingRate(throttled: true);
        var wMax = limiter.FillRate / AdaptiveRateLimiter.Beta;
        var k = Math.Cbrt(wMax * (1 - AdaptiveRateLimiter.Beta) / AdaptiveRateLimiter.ScaleConstant);

        // Keep sending at the allowed rate; CUBIC brings the rate back to W_max after K seconds.
        var rates = new List<double>();
        var elapsed = TimeSpan.Zero;
        while (elapsed < TimeSpan.FromSeconds(k + 2))
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            elapsed += TimeSpan.FromMilliseconds(50);
            limiter.UpdateSendingRate(throttled: false);
            rates.Add(limiter.FillRate);
        }

        rates.Should().BeInAscendingOrder();
        rates[0].Should().BeLessThan(wMax);
        rates[^1].Should().BeGreaterThan(wMax, "past K seconds the cubic grows beyond the rate at the throttle");
    }

    [Fact]
    public async Task AfterAThrottle_AnAttemptWaitsForItsTokenOnTheTimeProvider()
    {
        var limiter = new AdaptiveRateLimiter(_time);
        SendAt(limiter, perSecond: 4, seconds: 3);
        limiter.UpdateSendingRate(throttled: true);
        var rate = limiter.FillRate; // 0.7 × 4 = 2.8 per second
        rate.Should().BeApproximately(2.8, 0.2);

        // Drain what the bucket holds; the next attempt must wait until the missing fraction of a token has been added.
        while (limiter.TryAcquire(out _))
        {
        }

        var due = TimeSpan.FromSeconds((1 - limiter.AvailableTokens) / rate);
        var waiting = limiter.AcquireAsync(CancellationToken.None).AsTask();
        waiting.IsCompleted.Should().BeFalse("the bucket is empty");
        _time.Advance(due * 0.9);
        await Task.Delay(20);
        waiting.IsCompleted.Should().BeFalse("less than one token has been added");
        _time.Advance((due * 0.1) + TimeSpan.FromMilliseconds(2));

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        limiter.AvailableTokens.Should().BeLessThan(1, "the waiter took the token");
    }

    [Fact]
    public async Task WaitingAttempt_IsCancelledByTheCaller()
    {
        var limiter = new AdaptiveRateLimiter(_time);
        limiter.UpdateSendingRate(throttled: true); // no rate measured yet: the floor of 0.5 per second
        while (limiter.TryAcquire(out _))
        {
        }

        using var cts = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => waiting).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public void Rate_IsAtMostTwiceTheMeasuredSendRate()
    {
        var limiter = new AdaptiveRateLimiter(_time);
        SendAt(limiter, perSecond: 10, seconds: 3);
        limiter.UpdateSendingRate(throttled: true);

        // A long quiet spell: the cubic would allow a huge rate, the measured rate caps it.
        _time.Advance(TimeSpan.FromMinutes(1));
        limiter.UpdateSendingRate(throttled: false);

        limiter.FillRate.Should().BeLessThanOrEqualTo(2 * limiter.MeasuredSendRate + 1e-9);
    }

    private void SendAt(AdaptiveRateLimiter limiter, int perSecond, int seconds)
    {
        var step = TimeSpan.FromSeconds(1.0 / perSecond);
        for (var i = 0; i < perSecond * seconds; i++)
        {
            _time.Advance(step);
            limiter.UpdateSendingRate(throttled: false);
        }
    }
}

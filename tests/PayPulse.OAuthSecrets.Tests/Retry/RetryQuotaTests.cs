using PayPulse.OAuthSecrets.Internal.Retry;

namespace PayPulse.OAuthSecrets.Tests.Retry;

public sealed class RetryQuotaTests
{
    [Fact]
    public void NewQuota_HoldsTheSdksFiveHundredTokens()
    {
        var quota = new RetryQuota();

        quota.Capacity.Should().Be(500);
        quota.Available.Should().Be(500);
    }

    [Theory]
    [InlineData(false, 5)]
    [InlineData(true, 10)]
    public void CostOfRetry_IsFive_OrTenAfterATimeout(bool afterTimeout, int cost) =>
        RetryQuota.CostOfRetry(afterTimeout).Should().Be(cost);

    [Fact]
    public void TryAcquire_TakesTheCost_UntilTheBucketCannotPay()
    {
        var quota = new RetryQuota(12);

        quota.TryAcquire(5).Should().BeTrue();
        quota.TryAcquire(5).Should().BeTrue();
        quota.Available.Should().Be(2);

        quota.TryAcquire(5).Should().BeFalse("2 tokens cannot pay for a retry");
        quota.Available.Should().Be(2, "a refused retry takes nothing");
    }

    [Fact]
    public void FullBucket_PaysForExactlyOneHundredRetries_OrFiftyAfterTimeouts()
    {
        var quota = new RetryQuota();
        Enumerable.Range(0, 101).Count(_ => quota.TryAcquire(RetryQuota.RetryCost)).Should().Be(100);

        var afterTimeouts = new RetryQuota();
        Enumerable.Range(0, 51).Count(_ => afterTimeouts.TryAcquire(RetryQuota.TimeoutRetryCost)).Should().Be(50);
    }

    [Fact]
    public void ReleaseAfterSuccess_GivesBackTheLastRetryCost_OrOneForAFirstAttemptSuccess()
    {
        var quota = new RetryQuota();
        quota.TryAcquire(10);
        quota.TryAcquire(5);
        quota.Available.Should().Be(485);

        quota.ReleaseAfterSuccess(lastRetryCost: 10);
        quota.Available.Should().Be(495);

        quota.ReleaseAfterSuccess(lastRetryCost: 0);
        quota.Available.Should().Be(496);
    }

    [Fact]
    public void Release_NeverFillsBeyondCapacity()
    {
        var quota = new RetryQuota();
        quota.TryAcquire(5);

        quota.Release(10);
        quota.Available.Should().Be(500);
        quota.ReleaseAfterSuccess(0);
        quota.Available.Should().Be(500);
    }

    [Fact]
    public async Task ConcurrentAcquires_NeverOverdrawTheBucket()
    {
        var quota = new RetryQuota();
        var paid = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (quota.TryAcquire(5))
                {
                    Interlocked.Increment(ref paid);
                }
            }
        })));

        paid.Should().Be(100);
        quota.Available.Should().Be(0);
    }
}

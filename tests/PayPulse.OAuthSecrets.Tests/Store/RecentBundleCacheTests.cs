using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Tests.Store;

public sealed class RecentBundleCacheTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Set_AnOlderBundleAfterANewerOne_KeepsTheNewer()
    {
        var cache = new RecentBundleCache(_time, TimeSpan.FromSeconds(5));
        var newer = Document(createdAt: _time.GetUtcNow());
        var older = Document(createdAt: _time.GetUtcNow().AddMinutes(-1));

        cache.Set("u-1", newer);
        cache.Set("u-1", older);

        cache.TryGet("u-1", out var kept).Should().BeTrue();
        kept.Should().BeSameAs(newer);
    }

    [Fact]
    public void Set_ANewerBundle_Replaces()
    {
        var cache = new RecentBundleCache(_time, TimeSpan.FromSeconds(5));
        var newer = Document(createdAt: _time.GetUtcNow());

        cache.Set("u-1", Document(createdAt: _time.GetUtcNow().AddMinutes(-1)));
        cache.Set("u-1", newer);

        cache.TryGet("u-1", out var kept).Should().BeTrue();
        kept.Should().BeSameAs(newer);
    }

    [Fact]
    public void TryGet_AfterTheWindow_Misses()
    {
        var cache = new RecentBundleCache(_time, TimeSpan.FromSeconds(5));
        cache.Set("u-1", Document(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromSeconds(6));

        cache.TryGet("u-1", out _).Should().BeFalse();
    }

    [Fact]
    public void TryGet_RemembersThatAUserHasNothing()
    {
        var cache = new RecentBundleCache(_time, TimeSpan.FromSeconds(5));
        cache.Set("u-1", null);

        cache.TryGet("u-1", out var document).Should().BeTrue();
        document.Should().BeNull();
    }

    [Fact]
    public void Set_BeyondTheSizeBound_StaysBounded()
    {
        var cache = new RecentBundleCache(_time, TimeSpan.FromSeconds(5));

        for (var i = 0; i < RecentBundleCache.MaxEntries * 3; i++)
        {
            cache.Set("u-" + i, null);
        }

        Enumerable.Range(0, RecentBundleCache.MaxEntries * 3).Count(i => cache.TryGet("u-" + i, out _))
            .Should().BeLessThanOrEqualTo(RecentBundleCache.MaxEntries);
    }

    private static TokenBundleDocument Document(DateTimeOffset createdAt) => TokenBundleDocument.Create(new OAuthTokenBundle
    {
        AccessToken = "a",
        ExpiresAt = createdAt.AddHours(1),
        CreatedAt = createdAt,
    });
}

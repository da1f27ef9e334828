using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Tests.Consistency;

public sealed class UserTokenStateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
    private readonly UserTokenState _state = new();

    [Fact]
    public void CompleteRead_NoWriteSinceTheReadBegan_IsKnown()
    {
        var generation = _state.BeginRead();
        _state.CompleteRead(generation, Stored("v1"), _time.GetTimestamp());

        _state.Known(_time, TimeSpan.FromSeconds(30))!.VersionId.Should().Be("v1");
    }

    [Fact]
    public void CompleteRead_WriteStartedDuringTheRead_NeverReplacesWhatTheWriteProduced()
    {
        var generation = _state.BeginRead();
        _state.BeginWrite();
        _state.CompleteWrite(Stored("v2"), _time.GetTimestamp());

        _state.CompleteRead(generation, Stored("v1"), _time.GetTimestamp());

        _state.Known(_time, TimeSpan.FromSeconds(30))!.VersionId.Should().Be("v2");
    }

    [Fact]
    public void CompleteRead_WriteStillRunning_IsNotInstalled()
    {
        _state.CompleteWrite(Stored("v0"), _time.GetTimestamp());
        _state.BeginWrite();
        var generation = _state.BeginRead();
        _state.CompleteWrite(Stored("v2"), _time.GetTimestamp());

        _state.CompleteRead(generation, Stored("v1"), _time.GetTimestamp());

        _state.Known(_time, TimeSpan.FromSeconds(30))!.VersionId.Should().Be("v2", "the read began after the write began but may hold either value");
    }

    [Fact]
    public void Known_OlderThanTheCacheDuration_IsNotServed()
    {
        _state.CompleteWrite(Stored("v1"), _time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(31));

        _state.Known(_time, TimeSpan.FromSeconds(30)).Should().BeNull();
        _state.Known(_time, TimeSpan.FromSeconds(31)).Should().NotBeNull();
    }

    [Fact]
    public void Evict_ForgetsEverythingAndIgnoresLaterInstalls()
    {
        var generation = _state.BeginRead();
        _state.CompleteWrite(Stored("v1"), _time.GetTimestamp());

        _state.Evict();
        _state.CompleteRead(generation, Stored("v0"), _time.GetTimestamp());
        _state.CompleteWrite(Stored("v2"), _time.GetTimestamp());

        _state.IsEvicted.Should().BeTrue();
        _state.Known(_time, TimeSpan.FromMinutes(5)).Should().BeNull();
        _state.Flight.Should().BeNull();
    }

    [Fact]
    public void JoinOrStart_SameRefreshTokenRunning_JoinsIt()
    {
        var running = new TaskCompletionSource<OAuthTokenBundle>();
        var starts = 0;
        var first = _state.JoinOrStart("1//a", _ => true, () => { starts++; return new RefreshFlight("1//a", running.Task); });

        var second = _state.JoinOrStart("1//a", _ => true, () => { starts++; return new RefreshFlight("1//a", running.Task); });

        second.Should().BeSameAs(first);
        starts.Should().Be(1);
    }

    [Fact]
    public void JoinOrStart_SameRefreshTokenCompletedAndStillUsable_ReusesTheResult()
    {
        var result = Stored("v2").Bundle;
        var first = _state.JoinOrStart("1//a", _ => true, () => new RefreshFlight("1//a", Task.FromResult(result)));

        _state.JoinOrStart("1//a", _ => true, () => throw new InvalidOperationException("must not start")).Should().BeSameAs(first);
        _state.JoinOrStart("1//a", _ => false, () => new RefreshFlight("1//a", Task.FromResult(result))).Should().NotBeSameAs(first);
    }

    [Fact]
    public void JoinOrStart_OtherRefreshTokenOrFailedRefresh_StartsAnew()
    {
        var failed = _state.JoinOrStart("1//a", _ => true, () => new RefreshFlight("1//a", Task.FromException<OAuthTokenBundle>(new InvalidOperationException())));

        var again = _state.JoinOrStart("1//a", _ => true, () => new RefreshFlight("1//a", new TaskCompletionSource<OAuthTokenBundle>().Task));
        var other = _state.JoinOrStart("1//b", _ => true, () => new RefreshFlight("1//b", new TaskCompletionSource<OAuthTokenBundle>().Task));

        again.Should().NotBeSameAs(failed);
        other.RefreshToken.Should().Be("1//b");
        _state.Flight.Should().BeSameAs(other);
    }

    [Fact]
    public void States_Evict_GivesANewEmptyStateAndEvictsTheOld()
    {
        var states = new UserTokenStates(_time, new OAuthSecretsOptions());
        var old = states.For("u-1");
        old.CompleteWrite(Stored("v1"), _time.GetTimestamp());
        states.Known("u-1").Should().NotBeNull();

        states.Evict("u-1");

        old.IsEvicted.Should().BeTrue();
        states.Known("u-1").Should().BeNull();
        states.For("u-1").Should().NotBeSameAs(old);
    }

    [Fact]
    public void States_CacheDurationZero_NothingIsKnown()
    {
        var states = new UserTokenStates(_time, new OAuthSecretsOptions { BundleCacheDuration = TimeSpan.Zero });
        states.For("u-1").CompleteWrite(Stored("v1"), _time.GetTimestamp());

        states.Known("u-1").Should().BeNull();
    }

    [Fact]
    public void States_PastTheBound_DropsIdleStatesOnly()
    {
        var states = new UserTokenStates(_time, new OAuthSecretsOptions());
        var busy = states.For("busy");
        busy.JoinOrStart("1//a", _ => true, () => new RefreshFlight("1//a", new TaskCompletionSource<OAuthTokenBundle>().Task));
        for (var i = 0; i < UserTokenStates.MaxUsers; i++)
        {
            states.For("u-" + i).CompleteWrite(Stored("v"), _time.GetTimestamp());
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        states.For("new");

        states.Count.Should().Be(2, "idle states are dropped; the one with a refresh running stays");
        states.For("busy").Should().BeSameAs(busy);
    }

    private StoredBundle Stored(string version) =>
        new(
            TokenBundleDocument.Create(new OAuthTokenBundle
            {
                AccessToken = "ya29." + version,
                RefreshToken = "1//r",
                ExpiresAt = _time.GetUtcNow().AddHours(1),
            }),
            version);
}

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
        Write("v2");

        _state.CompleteRead(generation, Stored("v1"), _time.GetTimestamp());

        _state.Known(_time, TimeSpan.FromSeconds(30))!.VersionId.Should().Be("v2");
    }

    [Fact]
    public void CompleteRead_WriteStillRunning_IsNotInstalled()
    {
        Write("v0");
        var ticket = _state.BeginWrite();
        var generation = _state.BeginRead();
        _state.CompleteWrite(ticket, Stored("v2"), _time.GetTimestamp());

        _state.CompleteRead(generation, Stored("v1"), _time.GetTimestamp());

        _state.Known(_time, TimeSpan.FromSeconds(30))!.VersionId.Should().Be("v2", "the read began after the write began but may hold either value");
    }

    [Fact]
    public void CompleteWrite_AnotherWriteBeganAfterIt_ForgetsRatherThanInstallTheOlderResult()
    {
        var slow = _state.BeginWrite();
        var fast = _state.BeginWrite();
        _state.CompleteWrite(fast, Stored("v-fast"), _time.GetTimestamp());

        _state.CompleteWrite(slow, Stored("v-slow"), _time.GetTimestamp());

        _state.Known(_time, TimeSpan.FromSeconds(30)).Should().BeNull("which of the two is stored is not known: the next read finds out");
    }

    [Fact]
    public void Known_OlderThanTheCacheDuration_IsNotServed()
    {
        Write("v1");
        _time.Advance(TimeSpan.FromSeconds(31));

        _state.Known(_time, TimeSpan.FromSeconds(30)).Should().BeNull();
        _state.Known(_time, TimeSpan.FromSeconds(31)).Should().NotBeNull();
    }

    [Fact]
    public void Evict_ForgetsEverythingAndIgnoresLaterInstalls()
    {
        var generation = _state.BeginRead();
        var ticket = _state.BeginWrite();
        Start("1//a", new TaskCompletionSource<OAuthTokenBundle>().Task);

        _state.Evict();
        _state.CompleteRead(generation, Stored("v0"), _time.GetTimestamp());
        _state.CompleteWrite(ticket, Stored("v2"), _time.GetTimestamp());

        _state.IsEvicted.Should().BeTrue();
        _state.Known(_time, TimeSpan.FromMinutes(5)).Should().BeNull();
        _state.Flight.Should().BeNull();
    }

    [Fact]
    public void JoinOrStart_SameRefreshTokenRunning_JoinsIt()
    {
        var running = new TaskCompletionSource<OAuthTokenBundle>();
        var starts = 0;
        var first = _state.JoinOrStart("1//a", _ => true, () => { starts++; return new RefreshFlight("1//a", running.Task); }, out _);

        var second = _state.JoinOrStart("1//a", _ => true, () => { starts++; return new RefreshFlight("1//a", running.Task); }, out _);

        second.Should().BeSameAs(first);
        starts.Should().Be(1);
    }

    [Fact]
    public void JoinOrStart_TwoRefreshTokensRunning_EachIsJoinedByItsOwnCallers()
    {
        var first = Start("1//a", new TaskCompletionSource<OAuthTokenBundle>().Task);
        var second = Start("1//b", new TaskCompletionSource<OAuthTokenBundle>().Task);

        _state.JoinOrStart("1//a", _ => true, () => throw new InvalidOperationException("must join"), out _).Should().BeSameAs(first);
        _state.JoinOrStart("1//b", _ => true, () => throw new InvalidOperationException("must join"), out _).Should().BeSameAs(second);
    }

    [Fact]
    public void JoinOrStart_SameRefreshTokenCompletedAndStillUsable_ReusesTheResult()
    {
        var result = Stored("v2").Bundle;
        var first = Start("1//a", Task.FromResult(result));

        _state.JoinOrStart("1//a", _ => true, () => throw new InvalidOperationException("must not start"), out _).Should().BeSameAs(first);
        _state.JoinOrStart("1//a", _ => false, () => new RefreshFlight("1//a", Task.FromResult(result)), out _).Should().NotBeSameAs(first);
    }

    [Fact]
    public void JoinOrStart_FailedRefresh_StartsAnew()
    {
        var failed = Start("1//a", Task.FromException<OAuthTokenBundle>(new InvalidOperationException()));

        var again = Start("1//a", new TaskCompletionSource<OAuthTokenBundle>().Task);

        again.Should().NotBeSameAs(failed);
        _state.Flight.Should().BeSameAs(again);
    }

    [Fact]
    public void JoinOrStart_RefreshTokenRotatedAway_StartsNothingAndGivesTheSuccessor()
    {
        var successor = Stored("v2").Bundle;
        _state.RecordRotation("1//a", successor, _time.GetTimestamp());

        var flight = _state.JoinOrStart("1//a", _ => true, () => throw new InvalidOperationException("a consumed token must not be presented"), out var found);

        flight.Should().BeNull();
        found.Should().BeSameAs(successor);
    }

    [Fact]
    public void States_Evict_GivesANewEmptyStateAndEvictsTheOld()
    {
        var states = new UserTokenStates(_time, new OAuthSecretsOptions());
        var old = states.For("u-1");
        old.CompleteWrite(old.BeginWrite(), Stored("v1"), _time.GetTimestamp());
        states.Known("u-1").Should().NotBeNull();

        states.Evict("u-1");

        old.IsEvicted.Should().BeTrue();
        states.Known("u-1").Should().BeNull();
        states.For("u-1").Should().NotBeSameAs(old);
    }

    [Fact]
    public void States_Evict_KeepsTheMemoryOfRotatedAwayRefreshTokens()
    {
        var states = new UserTokenStates(_time, new OAuthSecretsOptions());
        states.For("u-1").RecordRotation("1//consumed", Stored("v2").Bundle, _time.GetTimestamp());

        states.Evict("u-1");

        // A read that started before the delete may still hand a caller the consumed token: it is never presented.
        states.For("u-1").JoinOrStart("1//consumed", _ => true, () => throw new InvalidOperationException("must not start"), out var successor)
            .Should().BeNull();
        successor.Should().NotBeNull();
        states.Known("u-1").Should().BeNull();
    }

    [Fact]
    public void States_CacheDurationZero_NothingIsKnown()
    {
        var states = new UserTokenStates(_time, new OAuthSecretsOptions { BundleCacheDuration = TimeSpan.Zero });
        var state = states.For("u-1");
        state.CompleteWrite(state.BeginWrite(), Stored("v1"), _time.GetTimestamp());

        states.Known("u-1").Should().BeNull();
    }

    [Fact]
    public async Task States_PastTheBound_DropsIdleStatesOnly()
    {
        var states = new UserTokenStates(_time, new OAuthSecretsOptions { BundleCacheDuration = TimeSpan.Zero });
        var refreshing = states.For("refreshing");
        refreshing.JoinOrStart("1//a", _ => true, () => new RefreshFlight("1//a", new TaskCompletionSource<OAuthTokenBundle>().Task), out _);
        var writing = states.For("writing");
        writing.BeginWrite();
        var storing = states.For("storing");
        await storing.Lifecycle.WaitAsync();
        var rotated = states.For("rotated");
        rotated.RecordRotation("1//old", Stored("v").Bundle, _time.GetTimestamp());
        for (var i = 0; states.Count < UserTokenStates.MaxUsers; i++)
        {
            var idle = states.For("u-" + i);
            idle.CompleteWrite(idle.BeginWrite(), Stored("v"), _time.GetTimestamp());
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        states.For("new");

        states.Count.Should().Be(5, "idle states are dropped; one with a refresh, a write, a store or a recent rotation stays");
        states.For("refreshing").Should().BeSameAs(refreshing);
        states.For("writing").Should().BeSameAs(writing);
        states.For("storing").Should().BeSameAs(storing);
        states.For("rotated").Should().BeSameAs(rotated);
    }

    private RefreshFlight Start(string refreshToken, Task<OAuthTokenBundle> task) =>
        _state.JoinOrStart(refreshToken, _ => true, () => new RefreshFlight(refreshToken, task), out _)!;

    private void Write(string version) => _state.CompleteWrite(_state.BeginWrite(), Stored(version), _time.GetTimestamp());

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

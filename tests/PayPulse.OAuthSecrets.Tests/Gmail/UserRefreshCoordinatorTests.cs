namespace PayPulse.OAuthSecrets.Tests.Gmail;

public sealed class UserRefreshCoordinatorTests : IDisposable
{
    private readonly GmailTestHost _host = new();

    public UserRefreshCoordinatorTests() => _host.Build();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task RefreshAsync_CallerWithTheBundleAnEarlierRefreshReplaced_GetsThatResultWithoutRefreshingAgain()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var old = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        _host.TokenEndpoint.Always(HttpStatusCode.OK, GmailTestHost.TokenJson(refreshToken: "1//rotated"));

        var first = await _host.Coordinator.RefreshAsync("u-1", old, CancellationToken.None);
        var late = await _host.Coordinator.RefreshAsync("u-1", old, CancellationToken.None);

        late.Should().Be(first);
        _host.TokenEndpoint.Requests.Should().ContainSingle("the late caller must not refresh with the rotated-away refresh token");
    }

    [Fact]
    public async Task RefreshAsync_AfterTheRefreshedTokenExpires_RefreshesAgain()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var old = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        _host.TokenEndpoint.Always(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var first = await _host.Coordinator.RefreshAsync("u-1", old, CancellationToken.None);
        _host.Time.Advance(TimeSpan.FromHours(1));
        first.AccessToken.Should().Be("ya29.refreshed");
        // A caller still holding the old bundle would be handed the first refresh's result, but that has expired too.
        await _host.Coordinator.RefreshAsync("u-1", old, CancellationToken.None);

        _host.TokenEndpoint.Requests.Should().HaveCount(2);
    }
}

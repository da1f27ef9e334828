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

    [Fact]
    public async Task RefreshAsync_GrantReplacedByAnExpiringOneDuringTheRefresh_RefreshesTheStoredGrantInstead()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var old = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        _host.TokenEndpoint.Then(async (_, _) =>
        {
            // Another process reconnects the user with a grant whose access token is about to expire.
            _host.Seed("u-1", TimeSpan.FromMinutes(2), accessToken: "ya29.other-grant", refreshToken: "1//other-grant");
            await Task.Yield();
            return ScriptedHttpHandler.Response(HttpStatusCode.OK, GmailTestHost.TokenJson(accessToken: "ya29.old-grant-refreshed"));
        });
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(accessToken: "ya29.other-grant-refreshed"));

        var bundle = await _host.Coordinator.RefreshAsync("u-1", old, CancellationToken.None);

        bundle.AccessToken.Should().Be("ya29.other-grant-refreshed");
        bundle.RefreshToken.Should().Be("1//other-grant");
        GmailTestHost.Form(_host.TokenEndpoint.Requests[1]).Should().Contain("refresh_token", "1//other-grant");
        var stored = (await _host.Store.GetAsync("u-1"))!;
        stored.AccessToken.Should().Be("ya29.other-grant-refreshed", "only tokens of the stored grant are ever written over it");
        stored.RefreshToken.Should().Be("1//other-grant");
    }

    [Fact]
    public async Task RefreshAsync_UserDeletedInThisProcessDuringTheRefresh_IsNotServedAndNothingIsRecreated()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var old = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        var release = new TaskCompletionSource();
        _host.TokenEndpoint.ThenHeld(release.Task, HttpStatusCode.OK, GmailTestHost.TokenJson());

        var refresh = _host.Coordinator.RefreshAsync("u-1", old, CancellationToken.None);
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        await _host.Store.DeleteAsync("u-1");
        release.SetResult();

        await FluentActions.Awaiting(() => refresh).Should().ThrowAsync<OAuthTokenNotFoundException>();
        _host.Secrets.Names.Should().NotContain("gmail/user/u-1");
    }

    [Fact]
    public async Task RefreshAsync_StaleCallerAfterARotationWhoseWriteBackFailed_IsHandedTheIssuedTokensNotAReuse()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var old = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        _host.Calls.FailPutsWith = new SecretsManagerException("throttled", SecretsManagerErrorKind.Throttled, "ThrottlingException", HttpStatusCode.BadRequest, null);
        _host.TokenEndpoint.Always(HttpStatusCode.OK, GmailTestHost.TokenJson(refreshToken: "1//rotated"));

        var first = await _host.Coordinator.RefreshAsync("u-1", old, CancellationToken.None);
        var stale = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        var second = await _host.Coordinator.RefreshAsync("u-1", stale, CancellationToken.None);

        stale.RefreshToken.Should().Be("1//stored-refresh", "the write-back failed, so the consumed token is still stored");
        second.Should().Be(first);
        second.RefreshToken.Should().Be("1//rotated");
        _host.TokenEndpoint.Requests.Should().ContainSingle("a consumed refresh token is never presented again");
    }

    [Fact]
    public async Task RefreshAsync_CallerWhoseReadPredatesTwoRotations_NeverPresentsTheConsumedRefreshToken()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var stale = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(accessToken: "ya29.second", refreshToken: "1//second", expiresIn: 120));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(accessToken: "ya29.third", refreshToken: "1//third", expiresIn: 3599));

        await _host.Coordinator.RefreshAsync("u-1", stale, CancellationToken.None);
        var second = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        await _host.Coordinator.RefreshAsync("u-1", second, CancellationToken.None);

        // The single flight now belongs to 1//second; the stale caller still holds 1//stored-refresh.
        var bundle = await _host.Coordinator.RefreshAsync("u-1", stale, CancellationToken.None);

        bundle.AccessToken.Should().Be("ya29.third");
        _host.TokenEndpoint.Requests.Select(r => GmailTestHost.Form(r)["refresh_token"])
            .Should().Equal("1//stored-refresh", "1//second");
    }
}

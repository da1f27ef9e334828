using System.Net;
using System.Text.Json;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

public sealed class RotatingOAuthServerTests : IAsyncLifetime
{
    private const string InvalidGrantBody = """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}""";

    private readonly HttpClient _http = RawAwsJsonRequest.CreateClient();
    private readonly List<RotatingOAuthServer> _servers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        _http.Dispose();
    }

    [Fact]
    public void Connect_TagsEveryTokenWithItsGrant()
    {
        var server = StartServer();

        var first = server.Connect("111");
        var second = server.Connect("222", scope: "openid email");

        first.GrantId.Should().Be("g1");
        second.GrantId.Should().Be("g2");
        first.AccessToken.Should().MatchRegex(@"^at\.g1\.1\.[a-z0-9]{16}$");
        first.RefreshToken.Should().MatchRegex(@"^rt\.g1\.1\.[a-z0-9]{16}$");
        second.AccessToken.Should().StartWith("at.g2.1.");
        first.ExpiresIn.Should().Be(3599);
        first.Scope.Should().Be(GoogleTokenResponses.GmailReadonlyScope);
        second.Scope.Should().Be("openid email");
        server.GrantOf(first.AccessToken).Should().Be("g1");
        server.GrantOf(first.RefreshToken).Should().Be("g1");
        server.GrantOf(second.RefreshToken).Should().Be("g2");
        server.GrantOf("rt.g1.1.notissuedbythisone").Should().BeNull();
        server.IsLive(first.AccessToken).Should().BeTrue();
        server.IsLive(first.RefreshToken).Should().BeTrue();
        server.IsLive("at.g1.9.neverissued00000").Should().BeFalse();
        first.ToString().Should().NotContain(first.RefreshToken).And.NotContain(first.AccessToken);
        server.Grants.Select(grant => grant.GoogleUserId).Should().Equal("111", "222");
    }

    [Fact]
    public void Options_SameSeed_IssuesTheSameTokens()
    {
        var options = new RotatingOAuthServerOptions { Seed = 42 };

        var one = StartServer(options).Connect("u");
        var other = StartServer(options).Connect("u");

        other.AccessToken.Should().Be(one.AccessToken);
        other.RefreshToken.Should().Be(one.RefreshToken);
        one.RefreshToken.Should().NotBe(StartServer().Connect("u").RefreshToken);
    }

    [Fact]
    public async Task Refresh_WithRotation_IssuesANewRefreshTokenAndConsumesThePresentedOne()
    {
        var server = StartServer();
        var grant = server.Connect("111");

        var (status, body) = await RefreshAsync(server, grant.RefreshToken);

        status.Should().Be(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        root.EnumerateObject().Select(property => property.Name).Should()
            .Equal("access_token", "expires_in", "scope", "token_type", "refresh_token");
        root.GetProperty("expires_in").GetInt32().Should().Be(3599);
        root.GetProperty("token_type").GetString().Should().Be("Bearer");
        root.GetProperty("scope").GetString().Should().Be(GoogleTokenResponses.GmailReadonlyScope);
        var accessToken = root.GetProperty("access_token").GetString()!;
        var rotated = root.GetProperty("refresh_token").GetString()!;
        accessToken.Should().StartWith("at.g1.2.");
        rotated.Should().StartWith("rt.g1.2.");
        server.GrantOf(rotated).Should().Be(grant.GrantId);
        server.IsConsumed(grant.RefreshToken).Should().BeTrue();
        server.IsLive(grant.RefreshToken).Should().BeFalse();
        server.IsLive(rotated).Should().BeTrue();
        server.IsLive(grant.AccessToken).Should().BeTrue("earlier access tokens keep working until the grant is revoked");

        var (nextStatus, nextBody) = await RefreshAsync(server, rotated);

        nextStatus.Should().Be(HttpStatusCode.OK);
        nextBody.Should().Contain("\"refresh_token\":\"rt.g1.3.");
        server.RefreshCount.Should().Be(2);
        server.ReuseDetections.Should().Be(0);
        server.StatsOf(grant.GrantId).Should().BeEquivalentTo(new
        {
            Refreshes = 2,
            ReuseDetections = 0,
            AccessTokensIssued = 3,
            RefreshTokensIssued = 3,
            IsRevoked = false,
            RevocationReason = (GrantRevocationReason?)null,
        });
        server.StatsOf(grant.GrantId).CurrentRefreshToken.Should().StartWith("rt.g1.3.");
    }

    [Fact]
    public async Task Refresh_ConsumedToken_IsReuseAndRevokesTheWholeGrant()
    {
        var server = StartServer();
        var grant = server.Connect("111");
        var bystander = server.Connect("222");
        var (_, body) = await RefreshAsync(server, grant.RefreshToken);
        var rotated = JsonDocument.Parse(body).RootElement.GetProperty("refresh_token").GetString()!;
        var newAccessToken = JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;

        var reuse = await RefreshAsync(server, grant.RefreshToken);

        reuse.Should().Be((HttpStatusCode.BadRequest, InvalidGrantBody));
        server.IsRevoked(grant.GrantId).Should().BeTrue();
        server.IsLive(rotated).Should().BeFalse();
        server.IsLive(newAccessToken).Should().BeFalse();
        server.IsLive(grant.AccessToken).Should().BeFalse();
        server.StatsOf(grant.GrantId).RevocationReason.Should().Be(GrantRevocationReason.ReuseDetected);
        server.StatsOf(grant.GrantId).CurrentRefreshToken.Should().BeNull();
        (await RefreshAsync(server, rotated)).Should().Be((HttpStatusCode.BadRequest, InvalidGrantBody));
        server.ReuseDetections.Should().Be(1, "the rotated token was never consumed: it is dead by revocation, not reuse");
        server.IsRevoked(bystander.GrantId).Should().BeFalse();
        (await RefreshAsync(server, bystander.RefreshToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refresh_RotationOff_KeepsTheRefreshTokenAndIssuesNewTaggedAccessTokens()
    {
        var server = StartServer(new RotatingOAuthServerOptions { RotateRefreshTokens = false });
        var grant = server.Connect("111");

        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await RefreshAsync(server, grant.RefreshToken);
            status.Should().Be(HttpStatusCode.OK);
            answers.Add(body);
        }

        var accessTokens = answers.Select(body => JsonDocument.Parse(body).RootElement).ToList();
        accessTokens.Should().OnlyContain(root => root.EnumerateObject().All(property => property.Name != "refresh_token"));
        accessTokens.Select(root => root.GetProperty("access_token").GetString()).Should()
            .SatisfyRespectively(
                token => token.Should().StartWith("at.g1.2."),
                token => token.Should().StartWith("at.g1.3."),
                token => token.Should().StartWith("at.g1.4."));
        server.IsConsumed(grant.RefreshToken).Should().BeFalse();
        server.IsLive(grant.RefreshToken).Should().BeTrue();
        server.RefreshCount.Should().Be(3);
        server.ReuseDetections.Should().Be(0);
        server.StatsOf(grant.GrantId).RefreshTokensIssued.Should().Be(1);
    }

    [Theory]
    [InlineData("wrong-client.apps.googleusercontent.com")]
    [InlineData(null)]
    public async Task Refresh_WrongOrMissingClientId_Is401InvalidClientAndChangesNothing(string? clientId)
    {
        var server = StartServer();
        var grant = server.Connect("111");

        var answer = await PostAsync(server, Form(grant.RefreshToken, clientId));

        answer.Status.Should().Be(HttpStatusCode.Unauthorized);
        JsonDocument.Parse(answer.Body).RootElement.GetProperty("error").GetString().Should().Be("invalid_client");
        server.IsConsumed(grant.RefreshToken).Should().BeFalse();
        (await RefreshAsync(server, grant.RefreshToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refresh_ExpectedClientIdOption_IsTheOneChecked()
    {
        var server = StartServer(new RotatingOAuthServerOptions { ExpectedClientId = "custom.apps.googleusercontent.com" });
        var grant = server.Connect("111");

        (await PostAsync(server, Form(grant.RefreshToken))).Status.Should().Be(HttpStatusCode.Unauthorized, "the default client id is not the expected one here");
        (await PostAsync(server, Form(grant.RefreshToken, "custom.apps.googleusercontent.com"))).Status.Should().Be(HttpStatusCode.OK);
        server.ClientId.Should().Be("custom.apps.googleusercontent.com");
    }

    [Fact]
    public async Task Refresh_UnknownTokenOrAccessToken_IsInvalidGrantAndRevokesNothing()
    {
        var server = StartServer();
        var grant = server.Connect("111");

        (await RefreshAsync(server, "rt.g1.1.neverissued00000")).Should().Be((HttpStatusCode.BadRequest, InvalidGrantBody));
        (await RefreshAsync(server, grant.AccessToken)).Should().Be((HttpStatusCode.BadRequest, InvalidGrantBody));

        server.IsRevoked(grant.GrantId).Should().BeFalse();
        server.ReuseDetections.Should().Be(0);
        (await RefreshAsync(server, grant.RefreshToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refresh_MalformedRequests_AreRejected()
    {
        var server = StartServer();
        var grant = server.Connect("111");
        var authorizationCode = Form(grant.RefreshToken);
        authorizationCode["grant_type"] = "authorization_code";
        var noToken = Form(grant.RefreshToken);
        noToken.Remove("refresh_token");

        (await PostAsync(server, authorizationCode)).Body.Should().Contain("unsupported_grant_type");
        (await PostAsync(server, noToken)).Body.Should().Contain("invalid_request");
        using (var wrongPath = await _http.PostAsync(new Uri(server.TokenUri, "/other"), new FormUrlEncodedContent(Form(grant.RefreshToken))))
        {
            wrongPath.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        using (var wrongMethod = await _http.GetAsync(server.TokenUri))
        {
            wrongMethod.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        }

        server.IsConsumed(grant.RefreshToken).Should().BeFalse();
        server.RequestCount.Should().Be(4);
    }

    [Fact]
    public async Task Revoke_ByUser_KillsEveryTokenOfTheGrant()
    {
        var server = StartServer();
        var grant = server.Connect("111");

        server.Revoke(grant.GrantId).Should().BeTrue();
        server.Revoke(grant.GrantId).Should().BeFalse();

        server.IsLive(grant.AccessToken).Should().BeFalse();
        server.IsLive(grant.RefreshToken).Should().BeFalse();
        (await RefreshAsync(server, grant.RefreshToken)).Should().Be((HttpStatusCode.BadRequest, InvalidGrantBody));
        server.StatsOf(grant.GrantId).RevocationReason.Should().Be(GrantRevocationReason.RevokedByUser);
        server.ReuseDetections.Should().Be(0);
        FluentActions.Invoking(() => server.IsRevoked("g99")).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task Refresh_SameTokenFromManyTasksAtOnce_ExactlyOneWinsAndTheRestRevokeTheGrant()
    {
        const int Racers = 8;
        var server = StartServer();
        var grant = server.Connect("111");
        server.OnArrival = TokenExchangeHooks.Barrier(Racers);

        var answers = await Task.WhenAll(Enumerable.Range(0, Racers).Select(_ => Task.Run(() => RefreshAsync(server, grant.RefreshToken))));

        answers.Should().ContainSingle(answer => answer.Status == HttpStatusCode.OK);
        answers.Where(answer => answer.Status != HttpStatusCode.OK).Should()
            .HaveCount(Racers - 1).And.OnlyContain(answer => answer.Status == HttpStatusCode.BadRequest && answer.Body == InvalidGrantBody);
        var winner = JsonDocument.Parse(answers.Single(answer => answer.Status == HttpStatusCode.OK).Body).RootElement;
        server.IsRevoked(grant.GrantId).Should().BeTrue();
        server.IsLive(winner.GetProperty("refresh_token").GetString()!).Should().BeFalse("reuse revokes the winner's new tokens too");
        server.IsLive(winner.GetProperty("access_token").GetString()!).Should().BeFalse();
        server.RefreshCount.Should().Be(1);
        server.ReuseDetections.Should().Be(Racers - 1);
        server.StatsOf(grant.GrantId).ReuseDetections.Should().Be(Racers - 1);
    }

    [Fact]
    public async Task Refresh_SameTokenConcurrentlyWithRotationOff_AllWin()
    {
        const int Racers = 6;
        var server = StartServer(new RotatingOAuthServerOptions { RotateRefreshTokens = false });
        var grant = server.Connect("111");
        server.OnArrival = TokenExchangeHooks.Barrier(Racers);

        var answers = await Task.WhenAll(Enumerable.Range(0, Racers).Select(_ => Task.Run(() => RefreshAsync(server, grant.RefreshToken))));

        answers.Should().OnlyContain(answer => answer.Status == HttpStatusCode.OK);
        answers.Select(answer => JsonDocument.Parse(answer.Body).RootElement.GetProperty("access_token").GetString()).Should().OnlyHaveUniqueItems();
        server.IsRevoked(grant.GrantId).Should().BeFalse();
    }

    [Fact]
    public async Task BeforeAnswer_HoldsTheResponseAfterTheDecision()
    {
        var server = StartServer();
        var grant = server.Connect("111");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<TokenExchange>();
        server.BeforeAnswer = (exchange, cancellationToken) =>
        {
            lock (seen)
            {
                seen.Add(exchange);
            }

            return release.Task.WaitAsync(cancellationToken);
        };

        var held = RefreshAsync(server, grant.RefreshToken);
        await server.WaitForRequestsAsync(1);
        await Eventually.WaitUntilAsync(() => server.IsConsumed(grant.RefreshToken), "the held refresh has consumed the token");
        held.IsCompleted.Should().BeFalse();
        release.SetResult();

        (await held).Status.Should().Be(HttpStatusCode.OK);
        seen.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Sequence = 1,
            Outcome = TokenExchangeOutcome.Refreshed,
            GrantId = grant.GrantId,
            PresentedRefreshToken = grant.RefreshToken,
        });
    }

    [Fact]
    public async Task OnArrival_HeldRequest_IsNotDecidedUntilReleased()
    {
        var server = StartServer();
        var grant = server.Connect("111");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OnArrival = TokenExchangeHooks.HoldUntil(release.Task);

        var held = RefreshAsync(server, grant.RefreshToken);
        await server.WaitForRequestsAsync(1);
        server.IsConsumed(grant.RefreshToken).Should().BeFalse();
        server.RefreshCount.Should().Be(0);
        release.SetResult();

        (await held).Status.Should().Be(HttpStatusCode.OK);
        server.IsConsumed(grant.RefreshToken).Should().BeTrue();
    }

    [Fact]
    public async Task SeededDelay_ManyGrantsConcurrently_AllRefresh()
    {
        var server = StartServer();
        var grants = Enumerable.Range(0, 6).Select(i => server.Connect($"user-{i}")).ToList();
        server.OnArrival = TokenExchangeHooks.SeededDelay(seed: 7, TimeSpan.FromMilliseconds(40));
        server.BeforeAnswer = TokenExchangeHooks.SeededDelay(seed: 8, TimeSpan.FromMilliseconds(40));

        var answers = await Task.WhenAll(grants.Select(grant => RefreshAsync(server, grant.RefreshToken)));

        answers.Should().OnlyContain(answer => answer.Status == HttpStatusCode.OK);
        grants.Zip(answers).Should().OnlyContain(pair =>
            server.GrantOf(JsonDocument.Parse(pair.Second.Body).RootElement.GetProperty("refresh_token").GetString()!) == pair.First.GrantId);
        server.RefreshCount.Should().Be(6);
    }

    [Fact]
    public async Task DisposeAsync_WhileAHookHolds_Answers503ThenRefusesConnections()
    {
        var server = RotatingOAuthServer.Start();
        var grant = server.Connect("111");
        server.OnArrival = TokenExchangeHooks.HoldUntil(new TaskCompletionSource().Task);
        var held = RefreshAsync(server, grant.RefreshToken);
        await server.WaitForRequestsAsync(1);

        await server.DisposeAsync();

        (await held).Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        server.IsConsumed(grant.RefreshToken).Should().BeFalse("a request held before the decision changes nothing");
        await FluentActions.Awaiting(() => RefreshAsync(server, grant.RefreshToken)).Should().ThrowAsync<HttpRequestException>();
    }

    private static Dictionary<string, string> Form(string refreshToken, string? clientId = RotatingOAuthServerOptions.DefaultClientId)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        };
        if (clientId is not null)
        {
            form["client_id"] = clientId;
        }

        return form;
    }

    private RotatingOAuthServer StartServer(RotatingOAuthServerOptions? options = null)
    {
        var server = RotatingOAuthServer.Start(options);
        _servers.Add(server);
        return server;
    }

    private Task<(HttpStatusCode Status, string Body)> RefreshAsync(RotatingOAuthServer server, string refreshToken) =>
        PostAsync(server, Form(refreshToken, server.ClientId));

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(RotatingOAuthServer server, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await _http.PostAsync(server.TokenUri, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

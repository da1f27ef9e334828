using System.Text.Json;
using Google.Apis.Http;
using Microsoft.Extensions.Logging;

namespace PayPulse.OAuthSecrets.Tests.Gmail;

public sealed class GmailCredentialFactoryTests : IDisposable
{
    private readonly GmailTestHost _host = new();

    public GmailCredentialFactoryTests() => _host.Build();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task CreateAsync_NoStoredTokens_ThrowsNotFoundWithoutCallingGoogle()
    {
        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenNotFoundException>()).Which;

        ex.UserId.Should().Be("u-1");
        _host.TokenEndpoint.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task CreateAsync_InvalidUserId_ThrowsBeforeAnyCall()
    {
        await FluentActions.Awaiting(() => _host.Factory.CreateAsync("../u-1")).Should().ThrowAsync<ArgumentException>();

        _host.Calls.Total.Should().Be(0);
    }

    [Fact]
    public async Task CreateAsync_ValidToken_NeitherCallsGoogleNorWrites()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(30));

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.UserId.Should().Be("u-1");
        credential.Token.AccessToken.Should().Be("ya29.stored");
        credential.Token.RefreshToken.Should().Be("1//stored-refresh");
        (await credential.GetAccessTokenForRequestAsync()).Should().Be("ya29.stored");
        _host.TokenEndpoint.Requests.Should().BeEmpty();
        _host.Calls["Get"].Should().Be(1);
        _host.Calls.Total.Should().Be(1);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(-10)]
    public async Task CreateAsync_ExpiringOrExpiredToken_RefreshesOnceAndWritesBackOnce(int minutesLeft)
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(minutesLeft), extra: ",\"python_only\":[1,2]");
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.refreshed");
        var request = _host.TokenEndpoint.Requests.Single();
        request.Uri.Should().Be(_host.Options.TokenEndpoint);
        var form = GmailTestHost.Form(request);
        form.Should().Contain("grant_type", "refresh_token")
            .And.Contain("refresh_token", "1//stored-refresh")
            .And.Contain("client_id", GmailTestHost.ClientId)
            .And.NotContainKey("client_secret");
        _host.Calls["Get"].Should().Be(1);
        _host.Calls["Put"].Should().Be(1, "the refreshed tokens are put under the private label");
        _host.Calls["UpdateStage"].Should().Be(1, "and made current only if the secret is still at the version read");
        _host.Calls.Total.Should().Be(3);

        using var stored = JsonDocument.Parse(_host.Secrets.GetSecretString("gmail/user/u-1")!);
        var root = stored.RootElement;
        root.GetProperty("access_token").GetString().Should().Be("ya29.refreshed");
        root.GetProperty("refresh_token").GetString().Should().Be("1//stored-refresh", "Google sent no new refresh token");
        root.GetProperty("scope").GetString().Should().Be("https://www.googleapis.com/auth/gmail.readonly openid", "the stored scope is kept");
        root.GetProperty("google_email").GetString().Should().Be("alice@example.com");
        root.GetProperty("python_only").GetRawText().Should().Be("[1,2]");
        root.GetProperty("expires_at").GetString().Should().Be("2026-11-25T05:59:59");
    }

    [Fact]
    public async Task CreateAsync_RotatedRefreshToken_IsPersisted()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(refreshToken: "1//rotated"));

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.RefreshToken.Should().Be("1//rotated");
        (await _host.Store.GetAsync("u-1"))!.RefreshToken.Should().Be("1//rotated");
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2002 && r.StructuredState!.Any(kv => kv.Key == "Rotated" && kv.Value == "True"));
    }

    [Fact]
    public async Task CreateAsync_InvalidGrant_DeletesTheSecretAndThrowsRevoked()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}""");

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRevokedException>()).Which;

        ex.UserId.Should().Be("u-1");
        ex.SecretDeleted.Should().BeTrue();
        ex.Should().NotBeAssignableTo<OperationCanceledException>();
        _host.Secrets.Names.Should().BeEmpty();
        _host.Calls["Delete"].Should().Be(1);
        _host.TokenEndpoint.Requests.Should().ContainSingle("invalid_grant is never retried");
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2003 && r.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task CreateAsync_InvalidGrantButDeleteFails_StillThrowsRevoked()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.BadRequest, """{"error":"invalid_grant"}""");
        _host.Calls.FailDeletesWith = new SecretsManagerException("denied", SecretsManagerErrorKind.AccessDenied, "AccessDeniedException", HttpStatusCode.BadRequest, null);

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRevokedException>()).Which;

        ex.SecretDeleted.Should().BeFalse();
        ex.Message.Should().Contain("not deleted");
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2008 && r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task Credential_GmailAnswers401_RefreshesWritesBackAndRetriesTheRequest()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(30));
        var credential = await _host.Factory.CreateAsync("u-1");
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson("ya29.after-401"));
        using var gmail = new ScriptedHttpHandler();
        gmail.Then(HttpStatusCode.Unauthorized, """{"error":{"code":401}}""").Then(HttpStatusCode.OK, """{"messages":[]}""");
        using var http = new ApiClientFactory(gmail).CreateHttpClient(new CreateHttpClientArgs { Initializers = { credential } });

        using var response = await http.GetAsync(new Uri("https://gmail.example.test/gmail/v1/users/me/messages"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        gmail.Requests.Select(r => r.Header("Authorization")).Should().Equal("Bearer ya29.stored", "Bearer ya29.after-401");
        (await _host.Store.GetAsync("u-1"))!.AccessToken.Should().Be("ya29.after-401");
        _host.TokenEndpoint.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Credential_GmailAnswers401AndRefreshGetsInvalidGrant_ThrowsRevokedAndDeletes()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(30));
        var credential = await _host.Factory.CreateAsync("u-1");
        _host.TokenEndpoint.Then(HttpStatusCode.BadRequest, """{"error":"invalid_grant"}""");
        using var gmail = new ScriptedHttpHandler();
        gmail.Always(HttpStatusCode.Unauthorized, "{}");
        using var http = new ApiClientFactory(gmail).CreateHttpClient(new CreateHttpClientArgs { Initializers = { credential } });

        await FluentActions.Awaiting(() => http.GetAsync(new Uri("https://gmail.example.test/gmail/v1/users/me/messages")))
            .Should().ThrowAsync<OAuthTokenRevokedException>();

        _host.Secrets.Names.Should().BeEmpty();
    }

    [Fact]
    public async Task CreateAsync_InvalidGrantForAGrantTheUserAlreadyReplaced_KeepsTheNewSecretAndHandsItOut()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(async (_, _) =>
        {
            // The user reconnects (new refresh token) while Google is answering for the old one.
            await _host.Store.StoreAsync("u-1", new OAuthTokenGrant("ya29.reconnected", "1//reconnected", TimeSpan.FromHours(1)), cancellationToken: CancellationToken.None);
            return ScriptedHttpHandler.Response(HttpStatusCode.BadRequest, """{"error":"invalid_grant"}""");
        });

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.reconnected", "the caller gets the grant that is stored now");
        (await _host.Store.GetAsync("u-1"))!.RefreshToken.Should().Be("1//reconnected");
        _host.Calls["Delete"].Should().Be(0);
    }

    [Theory]
    [InlineData("""{"expires_in":3599,"token_type":"Bearer"}""")]
    [InlineData("")]
    public async Task CreateAsync_SuccessWithoutAnAccessToken_ThrowsInvalidResponseAndKeepsTheSecret(string body)
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Always(HttpStatusCode.OK, body);

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>()).Which;

        ex.ErrorCode.Should().Be("invalid_response");
        ex.IsTransient.Should().BeFalse();
        _host.Secrets.GetSecretString("gmail/user/u-1").Should().Contain("ya29.stored");
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2004);
    }

    [Fact]
    public async Task CreateAsync_ExpiresInOutOfRange_IsStoredAsAnHour()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(expiresIn: 100_000_000));

        await _host.Factory.CreateAsync("u-1");

        (await _host.Store.GetAsync("u-1"))!.ExpiresIn.Should().Be(TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task CreateAsync_RefreshTimeoutElapses_ThrowsTransientRefreshExceptionNotACancellation()
    {
        _host.Options.MaxAttempts = 1;
        _host.Options.AttemptTimeout = TimeSpan.FromMinutes(5);
        _host.Options.RefreshTimeout = TimeSpan.FromSeconds(30);
        _host.Build();
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.ThenHang();

        var call = _host.Factory.CreateAsync("u-1");
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        _host.Time.Advance(TimeSpan.FromSeconds(30));

        var ex = (await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OAuthTokenRefreshException>()).Which;
        ex.ErrorCode.Should().Be("timeout");
        ex.IsTransient.Should().BeTrue();
    }

    [Fact]
    public async Task CreateAsync_ServiceUnavailableEveryTime_RetriesThenThrowsTransientAndDeletesNothing()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Always(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>()).Which;

        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        ex.ErrorCode.Should().Be("temporarily_unavailable");
        _host.TokenEndpoint.Requests.Should().HaveCount(_host.Options.MaxAttempts, "Google's own retry is off; ours makes every attempt");
        _host.Secrets.GetSecretString("gmail/user/u-1").Should().Contain("ya29.stored");
        _host.Calls["Delete"].Should().Be(0);
        _host.Calls["Put"].Should().Be(0);
    }

    [Fact]
    public async Task CreateAsync_TransientThenSuccess_Succeeds()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint
            .Then(HttpStatusCode.InternalServerError, string.Empty)
            .Then(HttpStatusCode.TooManyRequests, """{"error":"rate_limit_exceeded"}""")
            .Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.refreshed");
        _host.TokenEndpoint.Requests.Should().HaveCount(3);
        _host.Logs.GetSnapshot().Where(r => r.Id.Id == 2005).Should().HaveCount(2)
            .And.OnlyContain(r => r.Message.Contains("user u-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateAsync_BackoffBetweenAttempts_FollowsTheFakeClock()
    {
        _host.Options.RetryBaseDelay = TimeSpan.FromSeconds(2);
        _host.Jitter = 1;
        _host.Build();
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.ServiceUnavailable, "{}").Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var call = _host.Factory.CreateAsync("u-1");
        await _host.Time.WaitForTimerAsync(TimeSpan.FromSeconds(2));
        _host.Time.Advance(TimeSpan.FromSeconds(1.9));
        await Task.Delay(50);
        _host.TokenEndpoint.Requests.Should().ContainSingle("1.9 s of the 2 s backoff have passed on the fake clock");
        _host.Time.Advance(TimeSpan.FromSeconds(0.1));

        (await call.WaitAsync(TimeSpan.FromSeconds(10))).Token.AccessToken.Should().Be("ya29.refreshed",
            "the 2 s backoff timer runs on the fake clock");
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, """{"error":"invalid_client","error_description":"The OAuth client was not found."}""", "invalid_client")]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"unauthorized_client"}""", "unauthorized_client")]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"invalid_request"}""", "invalid_request")]
    [InlineData(HttpStatusCode.Forbidden, "<html>forbidden</html>", null)]
    [InlineData(HttpStatusCode.BadRequest, "", "empty_response")]
    [InlineData(HttpStatusCode.OK, "this is not json", null)]
    public async Task CreateAsync_OtherTokenErrors_ThrowTypedDeleteNothingAndLogTheCode(HttpStatusCode status, string body, string? code)
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Always(status, body);

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>()).Which;

        ex.IsTransient.Should().BeFalse();
        ex.StatusCode.Should().Be(status);
        if (code is not null)
        {
            ex.ErrorCode.Should().Be(code);
        }

        _host.TokenEndpoint.Requests.Should().ContainSingle();
        _host.Secrets.GetSecretString("gmail/user/u-1").Should().Contain("ya29.stored");
        _host.Calls["Delete"].Should().Be(0);
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2004 && r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task CreateAsync_ConnectionFailures_AreTransient()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        for (var i = 0; i < 3; i++)
        {
            _host.TokenEndpoint.ThenThrow(new HttpRequestException("Connection refused"));
        }

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>()).Which;

        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().BeNull();
        _host.TokenEndpoint.Requests.Should().HaveCount(3);
        _host.Secrets.Names.Should().ContainSingle();
    }

    [Fact]
    public async Task CreateAsync_UnexpectedHandlerException_IsTypedNotRetriedAndDeletesNothing()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.ThenThrow(new InvalidOperationException("a handler someone added failed"));

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>()).Which;

        ex.ErrorCode.Should().Be("unexpected_error");
        ex.IsTransient.Should().BeFalse();
        _host.TokenEndpoint.Requests.Should().ContainSingle();
        _host.Calls["Delete"].Should().Be(0);
    }

    [Fact]
    public async Task CreateAsync_TimeoutFromAnAddedResilienceHandler_IsRetriedAsATimeout()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.ThenThrow(new Polly.Timeout.TimeoutRejectedException()).Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.refreshed");
        _host.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 2005).Which.Message.Should().Contain("timeout");
    }

    [Fact]
    public async Task CreateAsync_TokenEndpointTimeout_IsTransient()
    {
        _host.Options.MaxAttempts = 1;
        _host.Build();
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.ThenHang();

        var call = _host.Factory.CreateAsync("u-1");
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        _host.Time.Advance(_host.Options.AttemptTimeout);

        var ex = (await FluentActions.Awaiting(() => call).Should().ThrowAsync<OAuthTokenRefreshException>()).Which;
        ex.IsTransient.Should().BeTrue();
        ex.ErrorCode.Should().Be("timeout");
    }

    [Fact]
    public async Task CreateAsync_ExpiringWithoutRefreshToken_ThrowsWithoutCallingGoogle()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1), refreshToken: null);

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>()).Which;

        ex.ErrorCode.Should().Be("missing_refresh_token");
        _host.TokenEndpoint.Requests.Should().BeEmpty();
        _host.Secrets.Names.Should().ContainSingle();
    }

    [Fact]
    public async Task CreateAsync_WriteBackFails_StillReturnsTheRefreshedCredential()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson());
        _host.Calls.FailPutsWith = new SecretsManagerException("throttled", SecretsManagerErrorKind.Throttled, "ThrottlingException", HttpStatusCode.BadRequest, null);

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.refreshed");
        credential.Token.ExpiresInSeconds.Should().Be(3599, "the handed-out token carries the refreshed expiry, not the stored one");
        credential.Token.RefreshToken.Should().Be("1//stored-refresh");
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2006 && r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task CreateAsync_RefreshedBundleWouldPassTheSecretSizeLimit_HandsOutTheTokensAndWritesNothing()
    {
        // Keys written by other code fill most of the 64 KiB; Google's legal 8,000-character token tips it over.
        _host.Seed("u-1", TimeSpan.FromMinutes(1), extra: ",\"python_blob\":\"" + new string('x', 60_000) + "\"");
        var accessToken = "ya29." + new string('a', 7_990);
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(accessToken: accessToken));
        var before = _host.Secrets.GetSecretString("gmail/user/u-1");

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be(accessToken);
        _host.Secrets.GetSecretString("gmail/user/u-1").Should().Be(before);
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2006 && r.Exception is OAuthSecretFormatException);
    }

    [Fact]
    public async Task CreateAsync_ClientIdFromItsSecret_IsReadOnceAndTrimmed()
    {
        _host.Options.GoogleClientId = null;
        _host.Build();
        _host.Secrets.SetSecretString("Google-OAuth-Client-ID", "  from-secret.apps.googleusercontent.com\n");
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.Seed("u-2", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Always(HttpStatusCode.OK, GmailTestHost.TokenJson());

        await _host.Factory.CreateAsync("u-1");
        await _host.Factory.CreateAsync("u-2");

        _host.Calls.CallsFor("Google-OAuth-Client-ID").Should().Be(1);
        _host.TokenEndpoint.Requests.Select(r => GmailTestHost.Form(r)["client_id"])
            .Should().AllBe("from-secret.apps.googleusercontent.com");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task CreateAsync_ClientIdSecretMissingOrEmpty_IsAConfigurationErrorThatIsNotCached(string? value)
    {
        _host.Options.GoogleClientId = null;
        _host.Build();
        if (value is not null)
        {
            _host.Secrets.SetSecretString("Google-OAuth-Client-ID", value);
        }

        _host.Seed("u-1", TimeSpan.FromMinutes(30));

        (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthSecretsConfigurationException>())
            .Which.Message.Should().Contain("Google-OAuth-Client-ID");

        _host.Secrets.SetSecretString("Google-OAuth-Client-ID", "later.apps.googleusercontent.com");
        (await _host.Factory.CreateAsync("u-1")).Token.AccessToken.Should().Be("ya29.stored");
    }

    [Fact]
    public async Task CreateAsync_ConcurrentCallersForOneUser_ShareOneRefreshAndOneWrite()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var release = new TaskCompletionSource();
        _host.TokenEndpoint.ThenHeld(release.Task, HttpStatusCode.OK, GmailTestHost.TokenJson());

        var calls = Enumerable.Range(0, 20).Select(_ => _host.Factory.CreateAsync("u-1")).ToList();
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        release.SetResult();
        var credentials = await Task.WhenAll(calls);

        credentials.Select(c => c.Token.AccessToken).Should().AllBe("ya29.refreshed");
        _host.TokenEndpoint.Requests.Should().ContainSingle();
        _host.Calls["Put"].Should().Be(1);
        _host.Calls["UpdateStage"].Should().Be(1);
        _host.Store.States.For("u-1").Flight!.Task.IsCompleted.Should().BeTrue();
    }

    [Fact]
    public async Task CreateAsync_OneCallerCancels_TheOthersStillGetTheRefreshedCredential()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var release = new TaskCompletionSource();
        _host.TokenEndpoint.ThenHeld(release.Task, HttpStatusCode.OK, GmailTestHost.TokenJson());
        using var cts = new CancellationTokenSource();

        var cancelled = _host.Factory.CreateAsync("u-1", cts.Token);
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        var other = _host.Factory.CreateAsync("u-1");
        await cts.CancelAsync();
        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        release.SetResult();

        (await other).Token.AccessToken.Should().Be("ya29.refreshed");
        _host.TokenEndpoint.Requests.Should().ContainSingle();
        (await _host.Store.GetAsync("u-1"))!.AccessToken.Should().Be("ya29.refreshed", "the shared refresh finished and wrote back");
    }

    [Fact]
    public async Task CreateAsync_DifferentUsers_NeverWaitOnEachOther()
    {
        _host.Seed("slow", TimeSpan.FromMinutes(1));
        _host.Seed("fast", TimeSpan.FromMinutes(1));
        var release = new TaskCompletionSource();
        _host.TokenEndpoint
            .ThenHeld(release.Task, HttpStatusCode.OK, GmailTestHost.TokenJson("ya29.slow"))
            .Then(HttpStatusCode.OK, GmailTestHost.TokenJson("ya29.fast"));

        var slow = _host.Factory.CreateAsync("slow");
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        var fast = await _host.Factory.CreateAsync("fast").WaitAsync(TimeSpan.FromSeconds(10));

        fast.Token.AccessToken.Should().Be("ya29.fast");
        slow.IsCompleted.Should().BeFalse();
        release.SetResult();
        (await slow).Token.AccessToken.Should().Be("ya29.slow");
    }

    [Fact]
    public async Task Credential_BlockingRefreshAfterExpiry_IsWrittenBack()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(30));
        var credential = await _host.Factory.CreateAsync("u-1");
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson("ya29.later"));
        _host.Time.Advance(TimeSpan.FromMinutes(31));

        var token = await credential.GetAccessTokenForRequestAsync();

        token.Should().Be("ya29.later");
        (await _host.Store.GetAsync("u-1"))!.AccessToken.Should().Be("ya29.later");
        GmailTestHost.Form(_host.TokenEndpoint.Requests.Single())["refresh_token"].Should().Be("1//stored-refresh");
    }

    [Fact]
    public async Task Credential_BackgroundRefreshBeforeExpiry_IsWrittenBack()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(6));
        var credential = await _host.Factory.CreateAsync("u-1");
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson("ya29.background"));
        _host.Time.Advance(TimeSpan.FromMinutes(3));

        // Between 225 s and 60 s before expiry the credential returns the old token and refreshes in the background.
        (await credential.GetAccessTokenForRequestAsync()).Should().Be("ya29.stored");
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        await WaitUntilAsync(() => _host.Calls["Put"] == 1);

        (await _host.Store.GetAsync("u-1"))!.AccessToken.Should().Be("ya29.background");
    }

    [Fact]
    public async Task Credential_BackgroundRefreshGetsInvalidGrant_DeletesTheSecret()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(6));
        var credential = await _host.Factory.CreateAsync("u-1");
        _host.TokenEndpoint.Then(HttpStatusCode.BadRequest, """{"error":"invalid_grant"}""");
        _host.Time.Advance(TimeSpan.FromMinutes(3));

        (await credential.GetAccessTokenForRequestAsync()).Should().Be("ya29.stored");
        await WaitUntilAsync(() => _host.Calls["Delete"] == 1);

        _host.Secrets.Names.Should().BeEmpty();
    }

    [Fact]
    public async Task Credential_TokensRefreshedElsewhere_AreUsedWithoutCallingGoogle()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(30));
        var credential = await _host.Factory.CreateAsync("u-1");
        _host.Time.Advance(TimeSpan.FromMinutes(31));
        _host.Seed("u-1", TimeSpan.FromMinutes(60), accessToken: "ya29.from-another-lambda");

        var token = await credential.GetAccessTokenForRequestAsync();

        token.Should().Be("ya29.from-another-lambda");
        _host.TokenEndpoint.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Credential_SecretDeletedMeanwhile_FailsWithNotFound()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(30));
        var credential = await _host.Factory.CreateAsync("u-1");
        _host.Secrets.Clear();
        _host.Time.Advance(TimeSpan.FromMinutes(31));

        await FluentActions.Awaiting(() => credential.GetAccessTokenForRequestAsync()).Should().ThrowAsync<OAuthTokenNotFoundException>();
        _host.TokenEndpoint.Requests.Should().BeEmpty();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>Google.Apis' HTTP client (the one GmailService uses) over a scripted Gmail API.</summary>
    private sealed class ApiClientFactory(HttpMessageHandler gmail) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => new ForwardingHandler(gmail);
    }
}

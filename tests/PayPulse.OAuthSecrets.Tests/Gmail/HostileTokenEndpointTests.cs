using System.Globalization;
using System.Text;
using PayPulse.OAuthSecrets.Internal.Gmail;

namespace PayPulse.OAuthSecrets.Tests.Gmail;

/// <summary>
/// Every hostile answer of the token endpoint ends in an <see cref="OAuthTokenRefreshException"/> with a short machine
/// code, leaves the secret alone, and never puts a token into a message or a log.
/// </summary>
public sealed class HostileTokenEndpointTests : IDisposable
{
    private const string StoredRefreshToken = "1//stored-refresh";
    private readonly GmailTestHost _host = new();

    public HostileTokenEndpointTests()
    {
        _host.Options.RetryBaseDelay = TimeSpan.FromSeconds(2);
        _host.Options.MaxRetryDelay = TimeSpan.FromSeconds(20);
        _host.Jitter = 1;
        _host.Build();
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
    }

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, """{"error":"rate_limit_exceeded"}""")]
    [InlineData(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""")]
    public async Task CreateAsync_RetryAfterSeconds_WaitsExactlyThatLongInsteadOfTheBackoff(HttpStatusCode status, string body)
    {
        _host.TokenEndpoint.Then(status, body, ("Retry-After", "7")).Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var call = _host.Factory.CreateAsync("u-1");
        await _host.Time.WaitForTimerAsync(TimeSpan.FromSeconds(7));
        _host.Time.Advance(TimeSpan.FromSeconds(6.9));
        await Task.Delay(50);
        _host.TokenEndpoint.Requests.Should().ContainSingle("6.9 s of the 7 s the server asked for have passed");
        _host.Time.Advance(TimeSpan.FromSeconds(0.1));

        (await call.WaitAsync(TimeSpan.FromSeconds(10))).Token.AccessToken.Should().Be("ya29.refreshed");
        _host.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 2005).Which.Message.Should().Contain("00:00:07");
    }

    [Fact]
    public async Task CreateAsync_RetryAfterHttpDate_IsJudgedAgainstTheLibraryClock()
    {
        _host.Time.Advance(TimeSpan.FromHours(3));
        var retryAt = _host.Time.GetUtcNow() + TimeSpan.FromSeconds(12);
        _host.TokenEndpoint
            .Then(HttpStatusCode.ServiceUnavailable, "{}", ("Retry-After", retryAt.ToString("R", CultureInfo.InvariantCulture)))
            .Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var call = _host.Factory.CreateAsync("u-1");
        await _host.Time.WaitForTimerAsync(TimeSpan.FromSeconds(12));
        _host.Time.Advance(TimeSpan.FromSeconds(12));

        (await call.WaitAsync(TimeSpan.FromSeconds(10))).Token.AccessToken.Should().Be("ya29.refreshed");
        _host.TokenEndpoint.Requests.Should().HaveCount(2);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("Thu, 01 Jan 2026 00:00:00 GMT")]
    public async Task CreateAsync_RetryAfterZeroOrPast_TakesTheBackoffRatherThanRetryingAtOnce(string retryAfter)
    {
        _host.TokenEndpoint.Then(HttpStatusCode.ServiceUnavailable, "{}", ("Retry-After", retryAfter)).Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var call = _host.Factory.CreateAsync("u-1");
        await _host.Time.WaitForTimerAsync(TimeSpan.FromSeconds(2));
        _host.TokenEndpoint.Requests.Should().ContainSingle("the retry waits for the backoff");
        _host.Time.Advance(TimeSpan.FromSeconds(2));

        (await call.WaitAsync(TimeSpan.FromSeconds(10))).Token.AccessToken.Should().Be("ya29.refreshed");
    }

    [Fact]
    public async Task CreateAsync_RetryAfterOnAnotherStatus_IsIgnored()
    {
        _host.TokenEndpoint.Then(HttpStatusCode.InternalServerError, "{}", ("Retry-After", "7")).Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var call = _host.Factory.CreateAsync("u-1");
        await _host.Time.WaitForTimerAsync(TimeSpan.FromSeconds(2));
        _host.Time.Advance(TimeSpan.FromSeconds(2));

        (await call.WaitAsync(TimeSpan.FromSeconds(10))).Token.AccessToken.Should().Be("ya29.refreshed", "a 500 takes the backoff");
    }

    [Theory]
    [InlineData("120")]
    [InlineData("21")]
    public async Task CreateAsync_RetryAfterLongerThanMaxRetryDelay_StopsRetryingAndSaysHowLong(string seconds)
    {
        _host.TokenEndpoint.Always(HttpStatusCode.TooManyRequests, """{"error":"rate_limit_exceeded"}""", ("Retry-After", seconds));

        var ex = await ThrowsRefreshAsync();

        ex.ErrorCode.Should().Be("rate_limit_exceeded");
        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        ex.RetryAfter.Should().Be(TimeSpan.FromSeconds(int.Parse(seconds, CultureInfo.InvariantCulture)));
        ex.Message.Should().Contain($"retry after {seconds} s").And.Contain("MaxRetryDelay");
        _host.TokenEndpoint.Requests.Should().ContainSingle("waiting less than the server asked would only be refused again");
    }

    [Fact]
    public async Task CreateAsync_RetryAfterAtMaxRetryDelay_IsWaited()
    {
        _host.TokenEndpoint.Then(HttpStatusCode.TooManyRequests, "{}", ("Retry-After", "20")).Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var call = _host.Factory.CreateAsync("u-1");
        await _host.Time.WaitForTimerAsync(TimeSpan.FromSeconds(20));
        _host.Time.Advance(TimeSpan.FromSeconds(20));

        (await call.WaitAsync(TimeSpan.FromSeconds(10))).Token.AccessToken.Should().Be("ya29.refreshed");
    }

    [Fact]
    public async Task CreateAsync_HugeBodyWithContentLength_IsRefusedWithoutReadingIt()
    {
        var body = new CountingBodyStream(10 * 1024 * 1024);
        _host.TokenEndpoint.Then((_, _) =>
        {
            var content = new StreamContent(body);
            content.Headers.ContentLength = 10 * 1024 * 1024;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        });

        var ex = await ThrowsRefreshAsync();

        ex.ErrorCode.Should().Be("invalid_response");
        ex.IsTransient.Should().BeFalse();
        ex.Message.Should().Contain("65536");
        body.BytesRead.Should().Be(0);
        AssertNothingWrittenOrDeleted();
    }

    [Fact]
    public async Task CreateAsync_HugeChunkedBody_IsRefusedAfterTheLimit()
    {
        var body = new CountingBodyStream(10 * 1024 * 1024);
        _host.TokenEndpoint.Then((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) }));

        var ex = await ThrowsRefreshAsync();

        ex.ErrorCode.Should().Be("invalid_response");
        ex.IsTransient.Should().BeFalse();
        body.BytesRead.Should().BeLessThanOrEqualTo(TokenEndpointResponseHandler.MaxBodyBytes + 4096, "reading stops one chunk past the limit");
        _host.TokenEndpoint.Requests.Should().ContainSingle();
        AssertNothingWrittenOrDeleted();
    }

    [Fact]
    public async Task CreateAsync_HugeErrorBody_IsRefusedToo()
    {
        var body = new CountingBodyStream(10 * 1024 * 1024, "{\"error\":\"server_error\",\"error_description\":\"");
        _host.TokenEndpoint.Then((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StreamContent(body) }));

        var ex = await ThrowsRefreshAsync();

        ex.ErrorCode.Should().Be("invalid_response");
        ex.IsTransient.Should().BeFalse("a refused body is not retried");
        ex.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        body.BytesRead.Should().BeLessThanOrEqualTo(TokenEndpointResponseHandler.MaxBodyBytes + 4096);
    }

    [Fact]
    public async Task CreateAsync_BodyAtTheLimit_IsAccepted()
    {
        var json = GmailTestHost.TokenJson();
        var padded = json + new string(' ', TokenEndpointResponseHandler.MaxBodyBytes - Encoding.UTF8.GetByteCount(json));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, padded);

        (await _host.Factory.CreateAsync("u-1")).Token.AccessToken.Should().Be("ya29.refreshed");
    }

    [Theory]
    [InlineData(HttpStatusCode.Found, "https://evil.example/token?code=1%2F%2Fleaked", "host evil.example")]
    [InlineData(HttpStatusCode.PermanentRedirect, "/elsewhere?x=1", "a relative location")]
    [InlineData(HttpStatusCode.SeeOther, null, "no location")]
    public async Task CreateAsync_Redirect_IsReportedAsARedirectAndNotFollowed(HttpStatusCode status, string? location, string described)
    {
        _host.TokenEndpoint.Always(status, """{"access_token":"ya29.from-a-redirect"}""", location is null ? [] : [("Location", location)]);

        var ex = await ThrowsRefreshAsync();

        ex.ErrorCode.Should().Be("redirect");
        ex.StatusCode.Should().Be(status);
        ex.IsTransient.Should().BeFalse();
        ex.Message.Should().Contain($"HTTP {(int)status}").And.Contain(described).And.NotContain("code=").And.NotContain("x=1");
        _host.TokenEndpoint.Requests.Should().ContainSingle();
        AssertNothingWrittenOrDeleted();
    }

    [Theory]
    [InlineData(9000, null)]
    [InlineData(100, 5000)]
    public async Task CreateAsync_OversizedTokens_AreAnInvalidResponseNotAnArgumentException(int accessLength, int? refreshLength)
    {
        var access = "ya29." + new string('A', accessLength - 5);
        var refresh = refreshLength is { } n ? "1//" + new string('R', n - 3) : null;
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(access, refreshToken: refresh));

        var ex = await ThrowsRefreshAsync(access, refresh);

        ex.ErrorCode.Should().Be("invalid_response");
        ex.IsTransient.Should().BeFalse();
        ex.Message.Should().Contain("characters");
        AssertNothingWrittenOrDeleted();
    }

    [Fact]
    public async Task CreateAsync_AccessTokenThatWouldOverflowTheSecret_IsRefusedBeforeTheWriteBack()
    {
        // Fits the 64 KiB body, but not the 64 KiB secret once the stored fields are added.
        var access = new string('A', 65_000);
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(access));

        var ex = await ThrowsRefreshAsync(access);

        ex.ErrorCode.Should().Be("invalid_response");
        AssertNothingWrittenOrDeleted();
    }

    [Theory]
    [InlineData("ya29.with space")]
    [InlineData("ya29.\\u00e9t\\u00e9")]
    [InlineData("ya29.\\n")]
    public async Task CreateAsync_AccessTokenThatIsNotPrintableAscii_IsAnInvalidResponse(string access)
    {
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(access));

        (await ThrowsRefreshAsync()).ErrorCode.Should().Be("invalid_response");
        AssertNothingWrittenOrDeleted();
    }

    [Fact]
    public async Task CreateAsync_MaximalTokens_AreWrittenBack()
    {
        var access = new string('A', TokenResponseRules.MaxAccessTokenLength);
        var refresh = new string('R', TokenResponseRules.MaxRefreshTokenLength);
        var scope = new string('s', TokenResponseRules.MaxScopeLength);
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson(access, refreshToken: refresh, scope: scope));

        await _host.Factory.CreateAsync("u-1");

        _host.Secrets.GetSecretString("gmail/user/u-1").Should().Contain(access).And.Contain(refresh);
    }

    [Theory]
    [InlineData("""{"access_token":"ya29.x","expires_in":"soon"}""")]
    [InlineData("""{"access_token":"ya29.x","expires_in":1e40}""")]
    [InlineData("""{"access_token":["ya29.x"]}""")]
    public async Task CreateAsync_JsonThatIsNoTokenResponse_IsAnInvalidResponse(string body)
    {
        _host.TokenEndpoint.Then(HttpStatusCode.OK, body);

        var ex = await ThrowsRefreshAsync("ya29.x");
        ex.StatusCode.Should().Be(HttpStatusCode.OK, "Google.Apis.Auth reports a body it cannot read as an error with an English sentence for a code");

        ex.ErrorCode.Should().Be("invalid_response");
        ex.IsTransient.Should().BeFalse();
        AssertNothingWrittenOrDeleted();
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "this is not json", false)]
    [InlineData(HttpStatusCode.Forbidden, "<html>forbidden</html>", false)]
    [InlineData(HttpStatusCode.BadGateway, "<html>bad gateway</html>", true)]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"Invalid Request"}""", false)]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"INVALID_GRANT"}""", false)]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"invalid_request2"}""", false)]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", false)]
    [InlineData(HttpStatusCode.BadRequest, """{"error":42}""", false)]
    public async Task CreateAsync_ErrorThatIsNoOAuthCode_IsAnInvalidResponse(HttpStatusCode status, string body, bool transient)
    {
        _host.Options.RetryBaseDelay = TimeSpan.Zero;
        _host.Build();
        _host.TokenEndpoint.Always(status, body);

        var ex = await ThrowsRefreshAsync();

        ex.ErrorCode.Should().Be("invalid_response");
        ex.StatusCode.Should().Be(status);
        ex.IsTransient.Should().Be(transient, "a proxy's 5xx page may pass; a 4xx will not");
        _host.Calls["Delete"].Should().Be(0);
    }

    [Fact]
    public async Task CreateAsync_OAuthErrorCode_IsKeptWithItsDescription()
    {
        _host.TokenEndpoint.Always(HttpStatusCode.Unauthorized, """{"error":"invalid_client","error_description":"The OAuth client was not found."}""");

        var ex = await ThrowsRefreshAsync();

        ex.ErrorCode.Should().Be("invalid_client");
        ex.Message.Should().Contain("The OAuth client was not found.");
        ex.InnerException.Should().NotBeNull();
    }

    [Theory]
    [InlineData("""{"error":"invalid_request","error_description":"refresh token 1//stored-refresh is malformed"}""")]
    [InlineData("""{"error":"invalid_request","error_description":"token ya29.a0AfB_byC1234567890abcdefghijklmnopqrstuvwxyzABCDEF"}""")]
    [InlineData("""{"error":"invalid_request","error_uri":"https://x.example/?rt=1//stored-refresh"}""")]
    [InlineData("""{"error":"1//stored-refresh"}""")]
    [InlineData("""{"error":"say 1//stored-refresh"}""")]
    public async Task CreateAsync_ErrorTextsQuotingATokenAreNotRepeated(string body)
    {
        _host.TokenEndpoint.Always(HttpStatusCode.BadRequest, body);

        var ex = await ThrowsRefreshAsync(StoredRefreshToken, "ya29.a0AfB_byC1234567890abcdefghijklmnopqrstuvwxyzABCDEF");

        ex.ErrorCode.Should().BeOneOf("invalid_request", "invalid_response");
    }

    /// <summary>
    /// Runs CreateAsync expecting a refresh failure, and checks that no token (the stored ones and
    /// <paramref name="tokens"/>) appears in the exception, its inner exceptions or any log record.
    /// </summary>
    private async Task<OAuthTokenRefreshException> ThrowsRefreshAsync(params string?[] tokens)
    {
        // Bounded: a retry that should not happen would wait on the fake clock for ever.
        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1").WaitAsync(TimeSpan.FromSeconds(10)))
            .Should().ThrowAsync<OAuthTokenRefreshException>()).Which;
        var secrets = tokens.OfType<string>().Append(StoredRefreshToken).Append("ya29.stored").ToList();
        var texts = new List<string> { ex.ToString() };
        texts.AddRange(_host.Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception));
        foreach (var secret in secrets)
        {
            texts.Should().NotContain(t => t.Contains(secret, StringComparison.Ordinal), "no token value is ever repeated");
        }

        return ex;
    }

    private void AssertNothingWrittenOrDeleted()
    {
        _host.Calls["Put"].Should().Be(0);
        _host.Calls["Delete"].Should().Be(0);
        _host.Secrets.GetSecretString("gmail/user/u-1").Should().Contain("ya29.stored");
    }
}

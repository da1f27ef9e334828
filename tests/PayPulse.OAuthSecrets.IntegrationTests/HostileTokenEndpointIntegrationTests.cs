using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PayPulse.OAuthSecrets.Gmail;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// <see cref="IGmailCredentialFactory"/> as registered by <c>AddPayPulseOAuthSecrets</c> (real
/// <see cref="SocketsHttpHandler"/>, real HTTP) against a hostile token endpoint on loopback; tokens are kept in the
/// in-process store, since what is under test is the token endpoint.
/// </summary>
public sealed class HostileTokenEndpointIntegrationTests : IAsyncLifetime
{
    private const string UserId = "u-hostile";
    private const string StoredAccessToken = "ya29.stored-access-token";
    private const string StoredRefreshToken = "1//stored-refresh-token";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private LoopbackTokenEndpoint _endpoint = null!;
    private ServiceProvider? _services;

    private LoopbackTokenEndpoint Endpoint => _endpoint;

    public Task InitializeAsync()
    {
        _endpoint = LoopbackTokenEndpoint.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _endpoint.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CreateAsync_OversizedBody_IsRefusedWithoutWaitingForTheRest(bool announceLength)
    {
        var factory = await StartAsync();
        Endpoint.Always(LoopbackResponders.OversizedBody(HttpStatusCode.OK, announceLength));

        var ex = await ThrowsRefreshAsync(factory);

        ex.ErrorCode.Should().Be("invalid_response");
        ex.IsTransient.Should().BeFalse();
        ex.Message.Should().Contain("65536");
        Endpoint.RequestCount.Should().Be(1);
    }

    [Theory]
    [InlineData(HttpStatusCode.Found)]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    public async Task CreateAsync_Redirect_IsReportedNotFollowed(HttpStatusCode status)
    {
        var factory = await StartAsync();
        Endpoint.Always(LoopbackResponders.Redirect(status, "https://accounts.evil.example/token?code=secret-code"));

        var ex = await ThrowsRefreshAsync(factory, "secret-code", "ya29.from-a-redirect");

        ex.ErrorCode.Should().Be("redirect");
        ex.StatusCode.Should().Be(status);
        ex.IsTransient.Should().BeFalse();
        ex.Message.Should().Contain($"HTTP {(int)status}").And.Contain("accounts.evil.example");
        Endpoint.RequestCount.Should().Be(1, "the redirect is not followed");
    }

    [Fact]
    public async Task CreateAsync_RetryAfterSeconds_IsWaitedBeforeTheRetry()
    {
        var factory = await StartAsync();
        Endpoint
            .Then(LoopbackResponders.RetryAfter(HttpStatusCode.TooManyRequests, """{"error":"rate_limit_exceeded"}""", "1"))
            .Then(GoogleTokenResponses.Success("ya29.after-the-wait"));

        var watch = Stopwatch.StartNew();
        var credential = await factory.CreateAsync(UserId).WaitAsync(CallTimeout);

        credential.Token.AccessToken.Should().Be("ya29.after-the-wait");
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95), "the backoff is zero here; only Retry-After makes it wait");
        Endpoint.RequestCount.Should().Be(2);
    }

    [Fact]
    public async Task CreateAsync_RetryAfterHttpDate_IsWaitedBeforeTheRetry()
    {
        var factory = await StartAsync();
        var retryAt = DateTimeOffset.UtcNow.AddSeconds(2);
        Endpoint
            .Then(LoopbackResponders.RetryAfter(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""", retryAt.ToString("R", CultureInfo.InvariantCulture)))
            .Then(GoogleTokenResponses.Success("ya29.after-the-date"));

        var credential = await factory.CreateAsync(UserId).WaitAsync(CallTimeout);

        credential.Token.AccessToken.Should().Be("ya29.after-the-date");
        DateTimeOffset.UtcNow.Should().BeOnOrAfter(retryAt.AddMilliseconds(-retryAt.Millisecond - 50), "an HTTP-date has whole seconds");
        Endpoint.RequestCount.Should().Be(2);
    }

    [Fact]
    public async Task CreateAsync_RetryAfterBeyondMaxRetryDelay_FailsAtOnceWithTheWait()
    {
        var factory = await StartAsync();
        Endpoint.Always(LoopbackResponders.RetryAfter(HttpStatusCode.TooManyRequests, """{"error":"rate_limit_exceeded"}""", "3600"));

        var ex = await ThrowsRefreshAsync(factory);

        ex.ErrorCode.Should().Be("rate_limit_exceeded");
        ex.IsTransient.Should().BeTrue();
        ex.RetryAfter.Should().Be(TimeSpan.FromHours(1));
        Endpoint.RequestCount.Should().Be(1);
    }

    [Fact]
    public async Task CreateAsync_HugeAccessToken_IsAnInvalidResponseAndTheSecretIsKept()
    {
        var factory = await StartAsync();
        var huge = "ya29." + new string('x', 20_000);
        Endpoint.Always(GoogleTokenResponses.Success(huge));

        var ex = await ThrowsRefreshAsync(factory, huge[..40]);

        ex.ErrorCode.Should().Be("invalid_response");
        ex.IsTransient.Should().BeFalse();
        (await _services!.GetRequiredService<IOAuthTokenStore>().GetAsync(UserId))!.AccessToken.Should().Be(StoredAccessToken);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "<html>not json</html>", "text/html")]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"Bad Request: something went wrong"}""", LoopbackResponse.JsonContentType)]
    public async Task CreateAsync_AnswerWithoutAnOAuthCode_IsAnInvalidResponse(HttpStatusCode status, string body, string contentType)
    {
        var factory = await StartAsync();
        Endpoint.Always(LoopbackResponders.Fixed(new LoopbackResponse(status, body, contentType)));

        var ex = await ThrowsRefreshAsync(factory);

        ex.ErrorCode.Should().Be("invalid_response");
        ex.StatusCode.Should().Be(status);
    }

    [Fact]
    public async Task CreateAsync_ErrorDescriptionEchoingTheRefreshToken_IsNotRepeated()
    {
        var factory = await StartAsync();
        Endpoint.Always(LoopbackResponders.Fixed(LoopbackResponse.Json(
            HttpStatusCode.BadRequest, $$"""{"error":"invalid_request","error_description":"refresh_token {{StoredRefreshToken}} is malformed"}""")));

        var ex = await ThrowsRefreshAsync(factory);

        ex.ErrorCode.Should().Be("invalid_request");
        ex.Message.Should().Contain("not repeated");
    }

    private async Task<IGmailCredentialFactory> StartAsync()
    {
        var services = new ServiceCollection();
        services.AddPayPulseOAuthSecrets(options =>
        {
            options.UseInProcessSecretStore = true;
            options.GoogleClientId = "ios-client.apps.googleusercontent.com";
            options.TokenEndpoint = Endpoint.TokenUri;
            options.MaxAttempts = 3;
            options.RetryBaseDelay = TimeSpan.Zero;
            options.MaxRetryDelay = TimeSpan.FromSeconds(5);
        });
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        // Expiring in a second: CreateAsync refreshes before handing out a credential.
        await _services.GetRequiredService<IOAuthTokenStore>().StoreAsync(
            UserId, new OAuthTokenGrant(StoredAccessToken, StoredRefreshToken, TimeSpan.FromSeconds(1)));
        return _services.GetRequiredService<IGmailCredentialFactory>();
    }

    private static async Task<OAuthTokenRefreshException> ThrowsRefreshAsync(IGmailCredentialFactory factory, params string[] tokens)
    {
        var ex = (await FluentActions.Awaiting(() => factory.CreateAsync(UserId).WaitAsync(CallTimeout))
            .Should().ThrowAsync<OAuthTokenRefreshException>()).Which;
        foreach (var token in tokens.Append(StoredRefreshToken).Append(StoredAccessToken))
        {
            ex.ToString().Should().NotContain(token, "no token value is ever repeated");
        }

        return ex;
    }
}

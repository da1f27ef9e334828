using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Google.Apis.Http;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// <see cref="Gmail.IGmailCredentialFactory"/> as registered by <c>AddPayPulseOAuthSecrets</c>, end to end over real
/// HTTP: user secrets and the client-id secret in moto, Google's token endpoint played on loopback.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class RefreshWriteBackTests : IAsyncLifetime
{
    private const string ClientId = "ios-client.apps.googleusercontent.com";
    private const string StoredAccessToken = "ya29.stored-access-token";
    private const string StoredRefreshToken = "1//stored-refresh-token";
    private const string StoredScope = "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.modify";
    private const string UnknownKey = "python_only_key";
    private const string NaiveIsoFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff";
    private const string NaiveIsoPattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$";

    private static readonly TimeSpan _callTimeout = TimeSpan.FromSeconds(15);
    private static readonly string[] _timestampFormats = [NaiveIsoFormat, "yyyy'-'MM'-'dd'T'HH':'mm':'ss"];

    private readonly MotoFixture _fixture;
    private readonly string _prefix = TokenStoreHost.UniquePrefix();
    private readonly string _clientIdSecretName = SecretNames.Unique("it-google-client-id");
    private readonly HttpClient _http = TestSecretsManagerClients.CreateHttpClient();
    private readonly SecretsManagerClient _raw;
    private LoopbackTokenEndpoint? _tokenEndpoint;
    private GmailCredentialHost? _host;

    public RefreshWriteBackTests(MotoFixture fixture)
    {
        _fixture = fixture;
        _raw = TestSecretsManagerClients.Create(_http, fixture.ServiceUrl, TestSecretsManagerClients.DummyCredentials);
    }

    private LoopbackTokenEndpoint TokenEndpoint => _tokenEndpoint!;

    private GmailCredentialHost Host => _host!;

    public async Task InitializeAsync()
    {
        _tokenEndpoint = LoopbackTokenEndpoint.Start();
        await _raw.CreateSecretAsync(new NewSecret(_clientIdSecretName, ClientId), SecretsManagerLimits.NewClientRequestToken());
        _host = CreateHost(_clientIdSecretName);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_tokenEndpoint is not null)
        {
            await _tokenEndpoint.DisposeAsync();
        }

        _http.Dispose();
    }

    [Fact]
    public async Task CreateAsync_ValidToken_MakesNoTokenRequestAndLeavesTheSecretUnchanged()
    {
        var userId = NewUserId();
        var seeded = await SeedAsync(userId, TimeSpan.FromMinutes(30));

        var credential = await Host.Factory.CreateAsync(userId);

        credential.UserId.Should().Be(userId);
        credential.Token.AccessToken.Should().Be(StoredAccessToken);
        credential.Token.RefreshToken.Should().Be(StoredRefreshToken);
        (await credential.GetAccessTokenForRequestAsync()).Should().Be(StoredAccessToken);
        TokenEndpoint.Requests.Should().BeEmpty();
        await ShouldBeUnchangedAsync(userId, seeded);
    }

    [Fact]
    public async Task CreateAsync_ExpiringToken_RefreshesOnceAndWritesBackInPythonFormat()
    {
        var userId = NewUserId();
        var seeded = await SeedAsync(userId, TimeSpan.FromMinutes(2));
        TokenEndpoint.Then(GoogleTokenResponses.Success("ya29.refreshed"));
        var before = DateTimeOffset.UtcNow;

        var credential = await Host.Factory.CreateAsync(userId);

        var after = DateTimeOffset.UtcNow;
        credential.Token.AccessToken.Should().Be("ya29.refreshed");
        credential.Token.RefreshToken.Should().Be(StoredRefreshToken);

        var request = TokenEndpoint.Requests.Should().ContainSingle().Subject;
        request.Method.Should().Be("POST");
        request.Path.Should().Be(LoopbackTokenEndpoint.TokenPath);
        request.Header("Content-Type").Should().StartWith("application/x-www-form-urlencoded");
        request.Form.Should().Contain("grant_type", "refresh_token")
            .And.Contain("refresh_token", StoredRefreshToken)
            .And.Contain("client_id", ClientId, "the client id comes from the moto secret")
            .And.NotContainKey("client_secret", "the iOS client is public");

        Host.SecretsManagerTraffic.CountSent("PutSecretValue", _prefix + userId).Should().Be(1);
        Host.SecretsManagerTraffic.CountSent("DeleteSecret").Should().Be(0);

        var stored = await ReadStoredAsync(userId);
        stored.Value.VersionId.Should().NotBe(seeded.VersionId);
        var root = stored.Document;
        KeysOf(root).Should().Equal(KeysOf(JsonNode.Parse(seeded.Json)!.AsObject()), "the write-back keeps every key in its place");
        root["access_token"]!.GetValue<string>().Should().Be("ya29.refreshed");
        root["refresh_token"]!.GetValue<string>().Should().Be(StoredRefreshToken, "Google sent no new refresh token");
        root["expires_in"]!.GetValue<int>().Should().Be(3599);
        root["scope"]!.GetValue<string>().Should().Be(StoredScope, "the stored scope is kept");
        root["token_type"]!.GetValue<string>().Should().Be("Bearer");
        root["google_user_id"]!.GetValue<string>().Should().Be("110000000000000000123");
        root["google_email"]!.GetValue<string>().Should().Be("refresh.user@example.com");
        root["google_name"]!.GetValue<string>().Should().Be("Refresh User");
        root["google_verified_email"]!.GetValue<bool>().Should().BeTrue();
        root[UnknownKey]!.ToJsonString().Should().Be("""{"nested":[1,2]}""", "a key only Python knows is kept");

        var expiresAt = root["expires_at"]!.GetValue<string>();
        expiresAt.Should().MatchRegex(NaiveIsoPattern, "the Python Lambdas compare it with a naive utcnow()");
        ParseNaiveUtc(expiresAt).Should().BeOnOrAfter(Truncated(before).AddSeconds(3599)).And.BeOnOrBefore(after.AddSeconds(3599));
        var createdAt = root["created_at"]!.GetValue<string>();
        createdAt.Should().MatchRegex(NaiveIsoPattern);
        ParseNaiveUtc(createdAt).Should().BeOnOrAfter(Truncated(before)).And.BeOnOrBefore(after);
    }

    [Fact]
    public async Task CreateAsync_RotatedRefreshToken_IsPersisted()
    {
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(2));
        TokenEndpoint.Then(GoogleTokenResponses.Success("ya29.rotated-access", refreshToken: "1//rotated-refresh-token"));

        var credential = await Host.Factory.CreateAsync(userId);

        credential.Token.AccessToken.Should().Be("ya29.rotated-access");
        credential.Token.RefreshToken.Should().Be("1//rotated-refresh-token");
        TokenEndpoint.Requests.Should().ContainSingle().Which.Form.Should().Contain("refresh_token", StoredRefreshToken);
        var root = (await ReadStoredAsync(userId)).Document;
        root["refresh_token"]!.GetValue<string>().Should().Be("1//rotated-refresh-token");
        root["access_token"]!.GetValue<string>().Should().Be("ya29.rotated-access");

        // A new container (another Lambda invocation) refreshes with the rotated token.
        await using var other = CreateHost(_clientIdSecretName);
        (await other.Store.GetAsync(userId))!.RefreshToken.Should().Be("1//rotated-refresh-token");
    }

    [Fact]
    public async Task CreateAsync_InvalidGrant_DeletesTheSecretAndThrowsRevoked()
    {
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(2));
        TokenEndpoint.Then(GoogleTokenResponses.InvalidGrant());

        var error = (await FluentActions.Awaiting(() => Host.Factory.CreateAsync(userId))
            .Should().ThrowAsync<OAuthTokenRevokedException>()).Which;

        error.UserId.Should().Be(userId);
        error.SecretDeleted.Should().BeTrue();
        TokenEndpoint.Requests.Should().ContainSingle("invalid_grant is never retried");
        var read = async () => await _raw.GetSecretValueAsync(_prefix + userId);
        (await read.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound, "the secret is force-deleted, not scheduled for deletion");

        // The user now has to connect Gmail again; nothing calls Google for them.
        await FluentActions.Awaiting(() => Host.Factory.CreateAsync(userId)).Should().ThrowAsync<OAuthTokenNotFoundException>();
        TokenEndpoint.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task CreateAsync_ServiceUnavailableEveryTime_MakesMaxAttemptsThenThrowsTransientAndKeepsTheSecret()
    {
        var userId = NewUserId();
        var seeded = await SeedAsync(userId, TimeSpan.FromMinutes(2));
        TokenEndpoint.Always(GoogleTokenResponses.TemporarilyUnavailable());

        var error = (await FluentActions.Awaiting(() => Host.Factory.CreateAsync(userId))
            .Should().ThrowAsync<OAuthTokenRefreshException>()).Which;

        Host.Options.MaxAttempts.Should().Be(3);
        error.IsTransient.Should().BeTrue();
        error.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        error.ErrorCode.Should().Be("temporarily_unavailable");
        error.UserId.Should().Be(userId);
        TokenEndpoint.Requests.Should().HaveCount(3)
            .And.AllSatisfy(r => r.Form.Should().Contain("refresh_token", StoredRefreshToken));
        await ShouldBeUnchangedAsync(userId, seeded);
    }

    [Fact]
    public async Task CreateAsync_InvalidClient_ThrowsPermanentAfterOneRequestAndKeepsTheSecret()
    {
        var userId = NewUserId();
        var seeded = await SeedAsync(userId, TimeSpan.FromMinutes(2));
        TokenEndpoint.Always(GoogleTokenResponses.InvalidClient());

        var error = (await FluentActions.Awaiting(() => Host.Factory.CreateAsync(userId))
            .Should().ThrowAsync<OAuthTokenRefreshException>()).Which;

        error.IsTransient.Should().BeFalse();
        error.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        error.ErrorCode.Should().Be("invalid_client");
        TokenEndpoint.Requests.Should().ContainSingle("a permanent error is not retried");
        await ShouldBeUnchangedAsync(userId, seeded);
    }

    [Fact]
    public async Task CreateAsync_TenConcurrentCallersForOneExpiringUser_ShareOneRefreshAndOneWrite()
    {
        const int callers = 10;
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(2));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TokenEndpoint
            .Then(LoopbackResponders.Held(release, GoogleTokenResponses.Success("ya29.shared-refresh")))
            .Always(GoogleTokenResponses.Success("ya29.unexpected-second-refresh"));

        var calls = Enumerable.Range(0, callers).Select(_ => Host.Factory.CreateAsync(userId)).ToArray();
        await TokenEndpoint.WaitForRequestsAsync(1);

        // Release only once every caller has read the expiring secret, so that all of them join the held refresh.
        await Eventually.WaitUntilAsync(
            () => Host.SecretsManagerTraffic.CountCompleted("GetSecretValue", _prefix + userId) >= callers,
            $"all {callers} callers have read the user's secret");
        TokenEndpoint.RequestCount.Should().Be(1, "the other callers wait for the refresh in flight");
        release.SetResult();
        var credentials = await Task.WhenAll(calls).WaitAsync(_callTimeout);

        credentials.Select(c => c.Token.AccessToken).Should().AllBe("ya29.shared-refresh");
        TokenEndpoint.Requests.Should().ContainSingle();
        Host.SecretsManagerTraffic.CountSent("PutSecretValue", _prefix + userId).Should().Be(1, "the shared refresh is written back once");
        (await ReadStoredAsync(userId)).Document["access_token"]!.GetValue<string>().Should().Be("ya29.shared-refresh");
    }

    [Fact]
    public async Task Credential_GmailAnswers401_RefreshesWritesBackAndRetriesWithTheNewToken()
    {
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(30));
        var credential = await Host.Factory.CreateAsync(userId);
        TokenEndpoint.Requests.Should().BeEmpty();
        TokenEndpoint.Then(GoogleTokenResponses.Success("ya29.after-401"));
        await using var gmail = LoopbackGmailApi.Start();
        gmail.Then(HttpStatusCode.Unauthorized, LoopbackGmailApi.UnauthenticatedBody)
            .Then(HttpStatusCode.OK, """{"messages":[],"resultSizeEstimate":0}""");
        using var http = new HttpClientFactory().CreateHttpClient(new CreateHttpClientArgs { Initializers = { credential } });

        using var response = await http.GetAsync(gmail.MessagesUri).WaitAsync(_callTimeout);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        gmail.AuthorizationHeaders.Should().Equal("Bearer " + StoredAccessToken, "Bearer ya29.after-401");
        TokenEndpoint.Requests.Should().ContainSingle().Which.Form.Should().Contain("refresh_token", StoredRefreshToken);
        credential.Token.AccessToken.Should().Be("ya29.after-401");
        var root = (await ReadStoredAsync(userId)).Document;
        root["access_token"]!.GetValue<string>().Should().Be("ya29.after-401");
        root["refresh_token"]!.GetValue<string>().Should().Be(StoredRefreshToken);
    }

    [Fact]
    public async Task CreateAsync_ClientIdSecretMissing_ThrowsConfigurationErrorNamingTheSecret()
    {
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(30));
        var missingName = SecretNames.Unique("it-missing-client-id");
        await using var host = CreateHost(missingName);

        var error = (await FluentActions.Awaiting(() => host.Factory.CreateAsync(userId))
            .Should().ThrowAsync<OAuthSecretsConfigurationException>()).Which;

        error.Message.Should().Contain(missingName);
        TokenEndpoint.Requests.Should().BeEmpty();

        // The failure is not cached: once the secret exists, the same container works.
        await _raw.CreateSecretAsync(new NewSecret(missingName, ClientId), SecretsManagerLimits.NewClientRequestToken());
        (await host.Factory.CreateAsync(userId)).Token.AccessToken.Should().Be(StoredAccessToken);
    }

    [Fact]
    public async Task CreateAsync_ExpiringToken_PythonReadsTheRefreshedSecret()
    {
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(2));
        TokenEndpoint.Then(GoogleTokenResponses.Success("ya29.refreshed-for-python"));

        await Host.Factory.CreateAsync(userId);

        var read = await PythonTokenBundleScript.ReadAsync(_fixture.ServiceUrl, _prefix + userId);
        read.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).Should()
            .BeEmpty("the Python reader found problems in {0}", read.GetProperty("document").GetRawText());
        read.GetProperty("expired").GetBoolean().Should().BeFalse("the refreshed token is valid for almost an hour");
        read.GetProperty("seconds_until_expiry").GetDouble().Should().BeInRange(3599 - 60, 3599);
        var document = read.GetProperty("document");
        document.GetProperty("access_token").GetString().Should().Be("ya29.refreshed-for-python");
        document.GetProperty("refresh_token").GetString().Should().Be(StoredRefreshToken);
        document.GetProperty(UnknownKey).GetRawText().Should().Be("""{"nested": [1, 2]}""");
    }

    private static string NewUserId() => "rw" + Guid.NewGuid().ToString("N");

    /// <summary><c>datetime.isoformat()</c> of a naive UTC datetime: six fraction digits, none when they are all zero.</summary>
    private static string NaiveIso(DateTime utc)
    {
        var text = utc.ToString(NaiveIsoFormat, CultureInfo.InvariantCulture);
        return text.EndsWith(".000000", StringComparison.Ordinal) ? text[..^7] : text;
    }

    private static DateTimeOffset ParseNaiveUtc(string text) =>
        DateTimeOffset.ParseExact(
            text, _timestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>The stored form keeps whole microseconds; a bound taken from the clock must be cut the same way.</summary>
    private static DateTimeOffset Truncated(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    private static string[] KeysOf(JsonObject document) => [.. document.Select(p => p.Key)];

    private GmailCredentialHost CreateHost(string clientIdSecretName) =>
        GmailCredentialHost.Create(_fixture.ServiceUrl, _prefix, clientIdSecretName, TokenEndpoint.TokenUri);

    /// <summary>Stores a bundle the way the Python Lambdas write it, straight into moto.</summary>
    private async Task<(string Json, string? VersionId)> SeedAsync(string userId, TimeSpan expiresIn)
    {
        var now = DateTime.UtcNow;
        var document = new JsonObject
        {
            ["access_token"] = StoredAccessToken,
            ["refresh_token"] = StoredRefreshToken,
            ["expires_at"] = NaiveIso(now + expiresIn),
            ["expires_in"] = 3599,
            ["scope"] = StoredScope,
            ["token_type"] = "Bearer",
            ["created_at"] = NaiveIso(now - TimeSpan.FromSeconds(3599) + expiresIn),
            ["google_user_id"] = "110000000000000000123",
            ["google_email"] = "refresh.user@example.com",
            ["google_name"] = "Refresh User",
            ["google_verified_email"] = true,
            [UnknownKey] = new JsonObject { ["nested"] = new JsonArray(1, 2) },
        };
        var json = document.ToJsonString();
        var written = await _raw.CreateSecretAsync(new NewSecret(_prefix + userId, json), SecretsManagerLimits.NewClientRequestToken());
        return (json, written.VersionId);
    }

    private async Task<(SecretValue Value, JsonObject Document)> ReadStoredAsync(string userId)
    {
        var value = await _raw.GetSecretValueAsync(_prefix + userId);
        value.SecretString.Should().NotBeNull();
        return (value, JsonNode.Parse(value.SecretString!)!.AsObject());
    }

    private async Task ShouldBeUnchangedAsync(string userId, (string Json, string? VersionId) seeded)
    {
        var value = await _raw.GetSecretValueAsync(_prefix + userId);
        value.SecretString.Should().Be(seeded.Json);
        value.VersionId.Should().Be(seeded.VersionId);
        Host.SecretsManagerTraffic.CountSent("PutSecretValue").Should().Be(0);
        Host.SecretsManagerTraffic.CountSent("DeleteSecret").Should().Be(0);
    }
}

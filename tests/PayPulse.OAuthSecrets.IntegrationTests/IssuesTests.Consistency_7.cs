using System.Text.Json.Nodes;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// Regression tests for issue 7 (one consistency model for every write), one per defect it reported, each reproduced
/// against moto and a loopback token endpoint with the concurrent writer it names.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed partial class IssuesTests : IAsyncLifetime
{
    private const string ClientId = "ios-client.apps.googleusercontent.com";
    private const string AliceAccess = "ya29.alice-access";
    private const string AliceRefresh = "1//alice-refresh";
    private const string BobAccess = "ya29.bob-access";
    private const string BobRefresh = "1//bob-refresh";

    private static readonly GoogleUserInfo _alice = new("111", "alice@example.com", "Alice", VerifiedEmail: true);
    private static readonly GoogleUserInfo _bob = new("222", "bob@example.com", "Bob", VerifiedEmail: true);

    private readonly MotoFixture _fixture;
    private readonly string _prefix = TokenStoreHost.UniquePrefix();
    private readonly string _clientIdSecretName = SecretNames.Unique("it-google-client-id");
    private readonly HttpClient _http = TestSecretsManagerClients.CreateHttpClient();
    private readonly SecretsManagerClient _raw;
    private readonly List<GmailCredentialHost> _hosts = [];
    private LoopbackTokenEndpoint? _tokenEndpoint;

    public IssuesTests(MotoFixture fixture)
    {
        _fixture = fixture;
        _raw = TestSecretsManagerClients.Create(_http, fixture.ServiceUrl, TestSecretsManagerClients.DummyCredentials);
    }

    /// <summary>Who reconnects the user while a refresh of their old grant is in flight.</summary>
    public enum Reconnector
    {
        /// <summary><c>IOAuthTokenStore.StoreAsync</c> in the container that refreshes.</summary>
        SameContainer,

        /// <summary><c>IOAuthTokenStore.StoreAsync</c> in another container (another Lambda instance).</summary>
        OtherContainer,

        /// <summary>The Python Lambdas' OAuth callback: a plain <c>put_secret_value</c> of the whole bundle.</summary>
        Python,
    }

    private LoopbackTokenEndpoint TokenEndpoint => _tokenEndpoint!;

    public async Task InitializeAsync()
    {
        _tokenEndpoint = LoopbackTokenEndpoint.Start();
        await _raw.CreateSecretAsync(new NewSecret(_clientIdSecretName, ClientId), SecretsManagerLimits.NewClientRequestToken());
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        if (_tokenEndpoint is not null)
        {
            await _tokenEndpoint.DisposeAsync();
        }

        _http.Dispose();
    }

    // Defect 1. A refresh write-back of Alice's grant is in flight while the user reconnects with Bob's account: the
    // stored bundle must be Bob's alone, never Alice's access token beside Bob's refresh token and google_* keys.
    [Theory]
    [InlineData(Reconnector.SameContainer)]
    [InlineData(Reconnector.OtherContainer)]
    [InlineData(Reconnector.Python)]
    public async Task Defect1_ReconnectWithAnotherAccountDuringARefresh_NeverMixesTheTwoGrants(Reconnector reconnector)
    {
        var (host, userId, credential) = await RefreshRacingAReconnectAsync(reconnector);

        var stored = await ReadStoredAsync(userId);
        stored["access_token"]!.GetValue<string>().Should().Be(BobAccess, "an access token of Alice's grant must not sit in Bob's bundle");
        stored["refresh_token"]!.GetValue<string>().Should().Be(BobRefresh);
        stored["google_user_id"]!.GetValue<string>().Should().Be(_bob.Id);
        credential.Token.AccessToken.Should().Be(BobAccess, "the caller gets the grant that is stored now");
        credential.Token.RefreshToken.Should().Be(BobRefresh);
        (await host.Store.GetAsync(userId))!.AccessToken.Should().Be(BobAccess);
    }

    // Defect 2. A write-back that started before a reconnect (here with the same account and a new grant) must not
    // overwrite it.
    [Theory]
    [InlineData(Reconnector.SameContainer)]
    [InlineData(Reconnector.OtherContainer)]
    [InlineData(Reconnector.Python)]
    public async Task Defect2_WriteBackThatStartedBeforeAReconnect_DoesNotOverwriteIt(Reconnector reconnector)
    {
        var (_, userId, _) = await RefreshRacingAReconnectAsync(reconnector, sameAccount: true);

        var stored = await ReadStoredAsync(userId);
        stored["access_token"]!.GetValue<string>().Should().Be(BobAccess, "the newest consent wins");
        stored["refresh_token"]!.GetValue<string>().Should().Be(BobRefresh);
        var versions = await DescribeVersionsAsync(userId);
        versions.Values.Count(stages => stages.Contains("AWSCURRENT")).Should().Be(1);
    }

    // Defect 3. A GetAsync that started before a write and finished after it must not put the old bundle back into
    // what this process knows: the next UpdateAsync without a refresh token would write the rotated-away one back.
    [Fact]
    public async Task Defect3_StaleReadFinishingAfterARotation_IsNeverTheBaseOfTheNextUpdate()
    {
        var host = CreateHost();
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(30));
        var held = HoldNextRead(host, userId);

        var staleGet = host.Store.GetAsync(userId);
        await held.Answered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host.Store.UpdateAsync(userId, new OAuthTokenGrant("ya29.rotated-access", "1//rotated-refresh", TimeSpan.FromHours(1)));
        held.Release.SetResult();
        (await staleGet)!.RefreshToken.Should().Be(AliceRefresh, "the read itself started before the rotation");

        await host.Store.UpdateAsync(userId, new OAuthTokenGrant("ya29.next-access", null, TimeSpan.FromHours(1)));

        var stored = await ReadStoredAsync(userId);
        stored["access_token"]!.GetValue<string>().Should().Be("ya29.next-access");
        stored["refresh_token"]!.GetValue<string>().Should().Be("1//rotated-refresh", "the consumed refresh token must never be written back");
    }

    // Defect 3, second route: a read that started before a delete must not revive the deleted bundle.
    [Fact]
    public async Task Defect3_StaleReadFinishingAfterADelete_DoesNotReviveTheBundle()
    {
        var host = CreateHost();
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(30));
        var held = HoldNextRead(host, userId);

        var staleGet = host.Store.GetAsync(userId);
        await held.Answered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host.Store.DeleteAsync(userId);
        held.Release.SetResult();
        await staleGet;

        (await host.Store.GetAsync(userId)).Should().BeNull();
        await FluentActions.Awaiting(() => host.Factory.CreateAsync(userId)).Should().ThrowAsync<OAuthTokenNotFoundException>();
        await FluentActions.Awaiting(() => host.Store.UpdateAsync(userId, new OAuthTokenGrant("ya29.x", null, TimeSpan.FromHours(1))))
            .Should().ThrowAsync<OAuthTokenNotFoundException>();
        (await SecretExistsAsync(userId)).Should().BeFalse();
    }

    // Defect 4. When RefreshTimeout elapses during the write-back, the tokens Google already issued are not thrown
    // away: the caller gets them, and the write-back completes (under rotation the new refresh token is the grant).
    [Fact]
    public async Task Defect4_RefreshTimeoutDuringTheWriteBack_HandsOutAndStillStoresTheIssuedTokens()
    {
        // Google answers after 2 s, within the 4 s RefreshTimeout; the write-back then takes 3 s more, past it, but
        // within its own 4 s bound. Margins of a second or more keep this steady on a loaded machine.
        var host = CreateHost(o => o.RefreshTimeout = TimeSpan.FromSeconds(4));
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(1));
        TokenEndpoint.Then(async (request, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            return await GoogleTokenResponses.Success("ya29.issued", refreshToken: "1//issued-rotated")(request, ct);
        });
        host.SecretsManagerTraffic.BeforeSend = (call, ct) =>
            call.Operation == "PutSecretValue" ? Task.Delay(TimeSpan.FromSeconds(3), ct) : Task.CompletedTask;

        var credential = await host.Factory.CreateAsync(userId);

        credential.Token.AccessToken.Should().Be("ya29.issued");
        credential.Token.RefreshToken.Should().Be("1//issued-rotated");
        JsonObject stored;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        do
        {
            await Task.Delay(100);
            stored = await ReadStoredAsync(userId);
        }
        while (stored["access_token"]!.GetValue<string>() != "ya29.issued" && DateTime.UtcNow < deadline);

        stored["refresh_token"]!.GetValue<string>().Should().Be("1//issued-rotated", "the write-back runs to its end under its own bound");
        stored["access_token"]!.GetValue<string>().Should().Be("ya29.issued");
    }

    // Defect 5. After DeleteAsync, nothing this process remembers of the user (a completed refresh included) serves
    // them: a credential's next refresh and CreateAsync both find no tokens.
    [Fact]
    public async Task Defect5_DeletedUser_IsNotServedFromACompletedRefresh()
    {
        var host = CreateHost();
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(30));
        var first = await host.Factory.CreateAsync(userId);
        var second = await host.Factory.CreateAsync(userId);
        TokenEndpoint.Then(GoogleTokenResponses.Success("ya29.refreshed-once"));
        (await first.RefreshTokenAsync(CancellationToken.None)).Should().BeTrue();
        first.Token.AccessToken.Should().Be("ya29.refreshed-once");

        await host.Store.DeleteAsync(userId);

        // The second credential still holds the access token the completed refresh replaced.
        await FluentActions.Awaiting(() => second.RefreshTokenAsync(CancellationToken.None)).Should().ThrowAsync<OAuthTokenNotFoundException>();
        await FluentActions.Awaiting(() => host.Factory.CreateAsync(userId)).Should().ThrowAsync<OAuthTokenNotFoundException>();
        TokenEndpoint.RequestCount.Should().Be(1);
    }

    /// <summary>
    /// Seeds Alice's expiring grant, starts a refresh whose token response is held, reconnects the user through
    /// <paramref name="reconnector"/> (with Bob's account, or Alice's again), then lets Google answer.
    /// </summary>
    private async Task<(GmailCredentialHost Host, string UserId, Google.Apis.Auth.OAuth2.UserCredential Credential)> RefreshRacingAReconnectAsync(
        Reconnector reconnector, bool sameAccount = false)
    {
        var host = CreateHost();
        var userId = NewUserId();
        await SeedAsync(userId, TimeSpan.FromMinutes(1));
        var google = new TaskCompletionSource();
        TokenEndpoint.Then(LoopbackResponders.Held(google, GoogleTokenResponses.Success("ya29.alice-refreshed")));

        var create = host.Factory.CreateAsync(userId);
        await TokenEndpoint.WaitForRequestsAsync(1);
        var account = sameAccount ? _alice : _bob;
        var grant = new OAuthTokenGrant(BobAccess, BobRefresh, TimeSpan.FromHours(1));
        switch (reconnector)
        {
            case Reconnector.SameContainer:
                await host.Store.StoreAsync(userId, grant, account);
                break;
            case Reconnector.OtherContainer:
                await CreateHost().Store.StoreAsync(userId, grant, account);
                break;
            default:
                await PythonTokenBundleScript.WriteAsync(_fixture.ServiceUrl, _prefix + userId, new
                {
                    access_token = BobAccess,
                    refresh_token = BobRefresh,
                    google_user_id = account.Id,
                    google_email = account.Email,
                    google_name = account.Name,
                });
                break;
        }

        google.SetResult();
        var credential = await create.WaitAsync(TimeSpan.FromSeconds(15));
        return (host, userId, credential);
    }

    private GmailCredentialHost CreateHost(Action<OAuthSecretsOptions>? configure = null) => CreateHost(TokenEndpoint.TokenUri, configure);

    private GmailCredentialHost CreateHost(Uri tokenEndpoint, Action<OAuthSecretsOptions>? configure = null)
    {
        var host = GmailCredentialHost.Create(_fixture.ServiceUrl, _prefix, _clientIdSecretName, tokenEndpoint, configure);
        _hosts.Add(host);
        return host;
    }

    private static string NewUserId() => "i7" + Guid.NewGuid().ToString("N");

    /// <summary>Holds the next GetSecretValue of the user's secret after moto has answered it, until released.</summary>
    private (TaskCompletionSource Answered, TaskCompletionSource Release) HoldNextRead(GmailCredentialHost host, string userId)
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = 1;
        host.SecretsManagerTraffic.BeforeReturn = async (call, ct) =>
        {
            if (call.Operation == "GetSecretValue" && call.SecretId == _prefix + userId && Interlocked.Exchange(ref armed, 0) == 1)
            {
                answered.SetResult();
                await release.Task.WaitAsync(ct);
            }
        };
        return (answered, release);
    }

    /// <summary>Seeds Alice's grant as the Python Lambdas write it, expiring <paramref name="expiresIn"/> from now.</summary>
    private Task<System.Text.Json.JsonElement> SeedAsync(string userId, TimeSpan expiresIn) =>
        PythonTokenBundleScript.WriteAsync(_fixture.ServiceUrl, _prefix + userId, new
        {
            access_token = AliceAccess,
            refresh_token = AliceRefresh,
            google_user_id = _alice.Id,
            google_email = _alice.Email,
            google_name = _alice.Name,
            expires_in = (int)expiresIn.TotalSeconds,
        });

    private async Task<JsonObject> ReadStoredAsync(string userId)
    {
        var value = await _raw.GetSecretValueAsync(_prefix + userId);
        return JsonNode.Parse(value.SecretString!)!.AsObject();
    }

    private async Task<bool> SecretExistsAsync(string userId)
    {
        try
        {
            await _raw.GetSecretValueAsync(_prefix + userId);
            return true;
        }
        catch (SecretsManagerException ex) when (ex.Kind == SecretsManagerErrorKind.NotFound)
        {
            return false;
        }
    }

    private async Task<Dictionary<string, string[]>> DescribeVersionsAsync(string userId)
    {
        using var response = await RawAwsJsonRequest.PostAsync(_http, _fixture.ServiceUrl, "secretsmanager.DescribeSecret", $$"""{"SecretId":"{{_prefix + userId}}"}""");
        var stages = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["VersionIdsToStages"]!.AsObject();
        return stages.ToDictionary(p => p.Key, p => p.Value!.AsArray().Select(s => s!.GetValue<string>()).ToArray());
    }
}

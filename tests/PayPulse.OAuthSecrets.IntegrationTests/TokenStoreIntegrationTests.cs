using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary><see cref="IOAuthTokenStore"/> as registered by <c>AddPayPulseOAuthSecrets</c>, against moto.</summary>
[Collection(MotoCollection.Name)]
public sealed class TokenStoreIntegrationTests : IAsyncLifetime
{
    private const string GmailReadonly = "https://www.googleapis.com/auth/gmail.readonly";
    private const string GmailModify = "https://www.googleapis.com/auth/gmail.modify";

    private static readonly GoogleUserInfo _alice = new("110000000000000000001", "alice@example.com", "Alice Ädler", VerifiedEmail: true);
    private static readonly GoogleUserInfo _aliceWork = new("110000000000000000002", "alice@work.example", "Alice (work)");

    private readonly MotoFixture _fixture;
    private readonly string _prefix = TokenStoreHost.UniquePrefix();
    private readonly HttpClient _http = TestSecretsManagerClients.CreateHttpClient();
    private readonly SecretsManagerClient _raw;
    private TokenStoreHost? _host;

    public TokenStoreIntegrationTests(MotoFixture fixture)
    {
        _fixture = fixture;
        _raw = TestSecretsManagerClients.Create(_http, fixture.ServiceUrl, TestSecretsManagerClients.DummyCredentials);
    }

    private IOAuthTokenStore Store => _host!.Store;

    public Task InitializeAsync()
    {
        _host = TokenStoreHost.Create(_fixture.ServiceUrl, _prefix);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _http.Dispose();
    }

    [Fact]
    public async Task StoreAsync_NewUser_CreatesTheSecret()
    {
        var userId = NewUserId();
        var before = DateTimeOffset.UtcNow;

        var result = await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromSeconds(3599), GmailReadonly), _alice);

        result.Created.Should().BeTrue();
        result.AccountSwitched.Should().BeFalse();
        result.PreviousGoogleEmail.Should().BeNull();
        result.Bundle.AccessToken.Should().Be("access-1");
        result.Bundle.RefreshToken.Should().Be("refresh-1");
        result.Bundle.ExpiresAt.Should().BeCloseTo(before.AddSeconds(3599), TimeSpan.FromSeconds(5));
        var stored = await _raw.GetSecretValueAsync(_prefix + userId);
        stored.SecretString.Should().StartWith("{\"access_token\":\"access-1\",\"refresh_token\":\"refresh-1\",\"expires_at\":\"");
    }

    [Fact]
    public async Task GetAsync_AfterStore_ReturnsTheBundle()
    {
        var userId = NewUserId();
        var stored = await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1), GmailReadonly), _alice);

        // A second container reads what the first wrote: nothing is served from the first one's memory.
        await using var other = TokenStoreHost.Create(_fixture.ServiceUrl, _prefix);
        var bundle = await other.Store.GetAsync(userId);

        bundle.Should().NotBeNull();
        bundle!.AccessToken.Should().Be("access-1");
        bundle.RefreshToken.Should().Be("refresh-1");
        bundle.ExpiresIn.Should().Be(TimeSpan.FromHours(1));
        bundle.ExpiresAt.Should().Be(stored.Bundle.ExpiresAt);
        bundle.CreatedAt.Should().Be(stored.Bundle.CreatedAt);
        bundle.ExpiresAt.Offset.Should().Be(TimeSpan.Zero);
        bundle.Scope.Should().Be(GmailReadonly);
        bundle.TokenType.Should().Be("Bearer");
        bundle.GoogleUser.Should().Be(_alice);
        bundle.IsExpired(TimeProvider.System).Should().BeFalse();
        bundle.Should().Be(stored.Bundle);
    }

    [Fact]
    public async Task StoreAsync_ExistingUserWithoutRefreshTokenInGrant_UpdatesAndKeepsRefreshToken()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1), GmailReadonly), _alice);

        var result = await Store.StoreAsync(userId, new OAuthTokenGrant("access-2", RefreshToken: null, TimeSpan.FromMinutes(30)), _alice);

        result.Created.Should().BeFalse();
        result.AccountSwitched.Should().BeFalse();
        result.Bundle.AccessToken.Should().Be("access-2");
        result.Bundle.RefreshToken.Should().Be("refresh-1");
        result.Bundle.Scope.Should().Be(GmailReadonly);
        var bundle = await Store.GetAsync(userId);
        bundle!.AccessToken.Should().Be("access-2");
        bundle.RefreshToken.Should().Be("refresh-1");
        bundle.ExpiresIn.Should().Be(TimeSpan.FromMinutes(30));
        bundle.GoogleUser.Should().Be(_alice);
    }

    [Fact]
    public async Task StoreAsync_ExistingUserSeenByAnotherProcess_UpdatesInsteadOfCreating()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)), _alice);

        await using var other = TokenStoreHost.Create(_fixture.ServiceUrl, _prefix);
        var result = await other.Store.StoreAsync(userId, new OAuthTokenGrant("access-2", null, TimeSpan.FromHours(1)));

        result.Created.Should().BeFalse();
        result.Bundle.RefreshToken.Should().Be("refresh-1");
        result.Bundle.GoogleUser.Should().Be(_alice, "a store without Google info keeps the stored account");
        result.Bundle.Scope.Should().Be(GmailReadonly, "nothing named a scope, so the default is stored");
    }

    [Fact]
    public async Task UpdateAsync_ExistingUser_KeepsScopeAndGoogleInfo()
    {
        var userId = NewUserId();
        const string scopes = GmailReadonly + " " + GmailModify + " openid email";
        var stored = await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1), scopes), _alice);

        var updated = await Store.UpdateAsync(userId, new OAuthTokenGrant("access-2", null, TimeSpan.FromSeconds(3599)));

        updated.AccessToken.Should().Be("access-2");
        updated.RefreshToken.Should().Be("refresh-1");
        updated.Scope.Should().Be(scopes);
        updated.GoogleUser.Should().Be(_alice);
        updated.ExpiresIn.Should().Be(TimeSpan.FromSeconds(3599));
        updated.CreatedAt.Should().BeOnOrAfter(stored.Bundle.CreatedAt);

        await using var other = TokenStoreHost.Create(_fixture.ServiceUrl, _prefix);
        var bundle = await other.Store.GetAsync(userId);
        bundle.Should().Be(updated);
    }

    [Fact]
    public async Task UpdateAsync_GrantWithNewRefreshToken_ReplacesIt()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)), _alice);

        await Store.UpdateAsync(userId, new OAuthTokenGrant("access-2", "refresh-2", TimeSpan.FromHours(1)));

        var bundle = await Store.GetAsync(userId);
        bundle!.AccessToken.Should().Be("access-2");
        bundle.RefreshToken.Should().Be("refresh-2");
    }

    [Fact]
    public async Task StoreAsync_DifferentGoogleAccount_ReportsAccountSwitch()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1), GmailReadonly), _alice);

        var result = await Store.StoreAsync(userId, new OAuthTokenGrant("access-2", null, TimeSpan.FromHours(1), GmailReadonly), _aliceWork);

        result.Created.Should().BeFalse();
        result.AccountSwitched.Should().BeTrue();
        result.PreviousGoogleEmail.Should().Be(_alice.Email);
        result.Bundle.RefreshToken.Should().BeNull("the old account's refresh token must not be kept for the new account");
        var bundle = await Store.GetAsync(userId);
        bundle!.GoogleUser.Should().Be(_aliceWork);
        bundle.RefreshToken.Should().BeNull();
        bundle.AccessToken.Should().Be("access-2");
    }

    [Fact]
    public async Task StoreAsync_SameGoogleAccountAgain_DoesNotReportSwitch()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)), _alice);

        var result = await Store.StoreAsync(userId, new OAuthTokenGrant("access-2", null, TimeSpan.FromHours(1)), _alice with { Name = "Alice A." });

        result.AccountSwitched.Should().BeFalse();
        result.PreviousGoogleEmail.Should().BeNull();
        result.Bundle.GoogleUser!.Name.Should().Be("Alice A.");
        result.Bundle.RefreshToken.Should().Be("refresh-1");
    }

    [Fact]
    public async Task DeleteAsync_StoredUser_ForceDeletesSoGetReturnsNull()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)), _alice);

        await Store.DeleteAsync(userId);

        (await Store.GetAsync(userId)).Should().BeNull();
        var raw = async () => await _raw.DescribeSecretAsync(_prefix + userId);
        (await raw.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound, "the secret is deleted at once, not scheduled for deletion");
    }

    [Fact]
    public async Task StoreAsync_RightAfterDelete_RecreatesTheSecret()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)), _alice);
        await Store.DeleteAsync(userId);

        var result = await Store.StoreAsync(userId, new OAuthTokenGrant("access-2", null, TimeSpan.FromHours(1)), _aliceWork);

        result.Created.Should().BeTrue();
        result.AccountSwitched.Should().BeFalse();
        result.Bundle.RefreshToken.Should().BeNull("the deleted secret's refresh token is gone");
        var bundle = await Store.GetAsync(userId);
        bundle!.AccessToken.Should().Be("access-2");
        bundle.GoogleUser.Should().Be(_aliceWork);
    }

    [Fact]
    public async Task StoreAsync_AfterDeleteByAnotherProcess_RecreatesTheSecret()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)), _alice);
        await _raw.DeleteSecretAsync(_prefix + userId);

        // This container still remembers the secret it wrote; the put fails with NotFound and it creates instead.
        var result = await Store.StoreAsync(userId, new OAuthTokenGrant("access-2", "refresh-2", TimeSpan.FromHours(1)), _alice);

        result.Created.Should().BeTrue();
        (await Store.GetAsync(userId))!.AccessToken.Should().Be("access-2");
    }

    [Fact]
    public async Task DeleteAsync_UnknownUser_DoesNotThrow()
    {
        var delete = async () => await Store.DeleteAsync(NewUserId());

        await delete.Should().NotThrowAsync();
    }

    [Fact]
    public async Task GetAsync_UnknownUser_ReturnsNull()
    {
        (await Store.GetAsync(NewUserId())).Should().BeNull();
    }

    [Fact]
    public async Task UpdateAsync_UnknownUser_ThrowsNotFoundAndCreatesNoSecret()
    {
        var userId = NewUserId();

        var update = async () => await Store.UpdateAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)));

        var error = (await update.Should().ThrowAsync<OAuthTokenNotFoundException>()).Which;
        error.UserId.Should().Be(userId);
        error.SecretName.Should().Be(_prefix + userId);
        var raw = async () => await _raw.GetSecretValueAsync(_prefix + userId);
        (await raw.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
    }

    [Fact]
    public async Task UpdateAsync_AfterDelete_ThrowsNotFoundAndCreatesNoSecret()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)), _alice);
        await Store.DeleteAsync(userId);

        var update = async () => await Store.UpdateAsync(userId, new OAuthTokenGrant("access-2", null, TimeSpan.FromHours(1)));

        await update.Should().ThrowAsync<OAuthTokenNotFoundException>();
        var raw = async () => await _raw.GetSecretValueAsync(_prefix + userId);
        (await raw.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
    }

    [Fact]
    public async Task UpdateAsync_SecretDeletedByAnotherProcess_ThrowsNotFoundAndCreatesNoSecret()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("access-1", "refresh-1", TimeSpan.FromHours(1)), _alice);
        await _raw.DeleteSecretAsync(_prefix + userId);

        // The update's read finds nothing, so nothing is written and nothing is created.
        var update = async () => await Store.UpdateAsync(userId, new OAuthTokenGrant("access-2", null, TimeSpan.FromHours(1)));

        await update.Should().ThrowAsync<OAuthTokenNotFoundException>();
        var raw = async () => await _raw.GetSecretValueAsync(_prefix + userId);
        (await raw.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
    }

    [Fact]
    public async Task StoreAsync_ConcurrentFirstConnects_OneCreatesAndAllSucceed()
    {
        var userId = NewUserId();
        var hosts = Enumerable.Range(0, 4).Select(_ => TokenStoreHost.Create(_fixture.ServiceUrl, _prefix)).ToArray();
        try
        {
            var results = await Task.WhenAll(hosts.Select((host, i) =>
                host.Store.StoreAsync(userId, new OAuthTokenGrant($"access-{i}", $"refresh-{i}", TimeSpan.FromHours(1)), _alice)));

            results.Count(r => r.Created).Should().Be(1, "exactly one CreateSecret can win");
            var bundle = await Store.GetAsync(userId);
            results.Select(r => r.Bundle.AccessToken).Should().Contain(bundle!.AccessToken);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static string NewUserId() => "u" + Guid.NewGuid().ToString("N");
}

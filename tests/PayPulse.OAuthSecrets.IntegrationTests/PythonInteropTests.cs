using System.Globalization;
using System.Text.Json;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// The stored JSON shared with the Python Lambdas: boto3 (<c>Scripts/python_token_bundle.py</c>) and the library read
/// each other's secrets on one moto server.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class PythonInteropTests : IAsyncLifetime
{
    private const string GmailReadonly = "https://www.googleapis.com/auth/gmail.readonly";
    private const string PythonOnlyKey = "python_only_key";

    private static readonly string[] _contractKeys =
    [
        "access_token", "refresh_token", "expires_at", "expires_in", "scope", "token_type", "created_at",
        "google_user_id", "google_email", "google_name", "google_verified_email",
    ];

    private static readonly string[] _timestampFormats = ["yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff", "yyyy'-'MM'-'dd'T'HH':'mm':'ss"];

    private readonly MotoFixture _fixture;
    private readonly string _prefix = TokenStoreHost.UniquePrefix();
    private TokenStoreHost? _host;

    public PythonInteropTests(MotoFixture fixture)
    {
        _fixture = fixture;
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
    }

    [Fact]
    public async Task GetAsync_BundleWrittenByPython_ReadsEveryField()
    {
        var userId = NewUserId();
        var written = await PythonTokenBundleScript.WriteAsync(_fixture.ServiceUrl, _prefix + userId, new
        {
            access_token = "ya29.from-python",
            refresh_token = "1//from-python",
            google_user_id = "109876543210987654321",
            google_email = "python.user@example.com",
            google_name = "Pÿthon Üser",
        });
        written.GetProperty("operation").GetString().Should().Be("create_secret");
        var document = written.GetProperty("document");

        var bundle = await Store.GetAsync(userId);

        bundle.Should().NotBeNull();
        bundle!.AccessToken.Should().Be("ya29.from-python");
        bundle.RefreshToken.Should().Be("1//from-python");
        bundle.ExpiresAt.Should().Be(ParsePythonTimestamp(document.GetProperty("expires_at").GetString()!));
        bundle.ExpiresAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddSeconds(3599), TimeSpan.FromSeconds(30));
        bundle.CreatedAt.Should().Be(ParsePythonTimestamp(document.GetProperty("created_at").GetString()!));
        bundle.ExpiresIn.Should().Be(TimeSpan.FromSeconds(3599));
        bundle.Scope.Should().Be(GmailReadonly);
        bundle.TokenType.Should().Be("Bearer");
        bundle.GoogleUser.Should().Be(new GoogleUserInfo("109876543210987654321", "python.user@example.com", "Pÿthon Üser", VerifiedEmail: true));
        bundle.IsExpired(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)).Should().BeFalse();
    }

    [Fact]
    public async Task UpdateAsync_BundleWrittenByPython_KeepsPythonOnlyKey()
    {
        var userId = NewUserId();
        await PythonTokenBundleScript.WriteAsync(_fixture.ServiceUrl, _prefix + userId);
        (await Store.GetAsync(userId)).Should().NotBeNull();

        var updated = await Store.UpdateAsync(userId, new OAuthTokenGrant("ya29.refreshed-by-dotnet", null, TimeSpan.FromSeconds(3599)));

        updated.RefreshToken.Should().Be("1//python-refresh-token");
        var read = await PythonTokenBundleScript.ReadAsync(_fixture.ServiceUrl, _prefix + userId);
        ShouldHaveNoProblems(read);
        Keys(read).Should().Equal([.. _contractKeys, PythonOnlyKey]);
        var document = read.GetProperty("document");
        document.GetProperty("access_token").GetString().Should().Be("ya29.refreshed-by-dotnet");
        document.GetProperty("refresh_token").GetString().Should().Be("1//python-refresh-token");
        document.GetProperty("scope").GetString().Should().Be(GmailReadonly);
        document.GetProperty("google_email").GetString().Should().Be("python.user@example.com");
        document.GetProperty("google_verified_email").GetBoolean().Should().BeTrue();
        ShouldBePythonOnlyValue(document.GetProperty(PythonOnlyKey));
        read.GetProperty("expired").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task StoreAsync_ReconnectOverBundleWrittenByPython_KeepsPythonOnlyKeyAndRefreshToken()
    {
        var userId = NewUserId();
        await PythonTokenBundleScript.WriteAsync(_fixture.ServiceUrl, _prefix + userId);

        var result = await Store.StoreAsync(
            userId,
            new OAuthTokenGrant("ya29.reconnect", null, TimeSpan.FromSeconds(3599), GmailReadonly),
            new GoogleUserInfo("109876543210987654321", "python.user@example.com", "Python User", VerifiedEmail: true));

        result.Created.Should().BeFalse();
        result.AccountSwitched.Should().BeFalse();
        result.Bundle.RefreshToken.Should().Be("1//python-refresh-token");
        var read = await PythonTokenBundleScript.ReadAsync(_fixture.ServiceUrl, _prefix + userId);
        ShouldHaveNoProblems(read);
        Keys(read).Should().Equal([.. _contractKeys, PythonOnlyKey]);
        read.GetProperty("document").GetProperty("access_token").GetString().Should().Be("ya29.reconnect");
        ShouldBePythonOnlyValue(read.GetProperty("document").GetProperty(PythonOnlyKey));
    }

    [Fact]
    public async Task StoreAsync_BundleReadByPython_ParsesInContractOrderWithNaiveTimestamps()
    {
        var userId = NewUserId();
        var google = new GoogleUserInfo("110000000000000000042", "dotnet.user@example.com", "Dötnet \"Quoted\" User", VerifiedEmail: true);
        var stored = await Store.StoreAsync(
            userId, new OAuthTokenGrant("ya29.from-dotnet", "1//from-dotnet", TimeSpan.FromSeconds(3599), GmailReadonly), google);

        var read = await PythonTokenBundleScript.ReadAsync(_fixture.ServiceUrl, _prefix + userId);

        ShouldHaveNoProblems(read);
        Keys(read).Should().Equal(_contractKeys);
        read.GetProperty("expired").GetBoolean().Should().BeFalse();
        read.GetProperty("seconds_until_expiry").GetDouble().Should().BeInRange(3599 - 60, 3599);
        read.GetProperty("types").Deserialize<Dictionary<string, string>>().Should().Equal(new Dictionary<string, string>
        {
            ["access_token"] = "str",
            ["refresh_token"] = "str",
            ["expires_at"] = "str",
            ["expires_in"] = "int",
            ["scope"] = "str",
            ["token_type"] = "str",
            ["created_at"] = "str",
            ["google_user_id"] = "str",
            ["google_email"] = "str",
            ["google_name"] = "str",
            ["google_verified_email"] = "bool",
        });
        var document = read.GetProperty("document");
        var expiresAt = document.GetProperty("expires_at").GetString()!;
        expiresAt.Should().MatchRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$");
        ParsePythonTimestamp(expiresAt).Should().Be(stored.Bundle.ExpiresAt);
        ParsePythonTimestamp(read.GetProperty("expires_at").GetString()!).Should().Be(stored.Bundle.ExpiresAt);
        ParsePythonTimestamp(read.GetProperty("created_at").GetString()!).Should().Be(stored.Bundle.CreatedAt);
        document.GetProperty("access_token").GetString().Should().Be("ya29.from-dotnet");
        document.GetProperty("refresh_token").GetString().Should().Be("1//from-dotnet");
        document.GetProperty("expires_in").GetInt32().Should().Be(3599);
        document.GetProperty("scope").GetString().Should().Be(GmailReadonly);
        document.GetProperty("token_type").GetString().Should().Be("Bearer");
        document.GetProperty("google_user_id").GetString().Should().Be(google.Id);
        document.GetProperty("google_email").GetString().Should().Be(google.Email);
        document.GetProperty("google_name").GetString().Should().Be(google.Name);
        document.GetProperty("google_verified_email").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task StoreAsync_TokenExpiringWithinFiveMinutes_PythonSeesItExpired()
    {
        var userId = NewUserId();
        await Store.StoreAsync(userId, new OAuthTokenGrant("ya29.short-lived", null, TimeSpan.FromSeconds(120)));

        var read = await PythonTokenBundleScript.ReadAsync(_fixture.ServiceUrl, _prefix + userId);

        ShouldHaveNoProblems(read);
        read.GetProperty("expired").GetBoolean().Should().BeTrue("utcnow() >= expires_at - 5 minutes");
        read.GetProperty("document").GetProperty("refresh_token").ValueKind.Should().Be(JsonValueKind.Null);
        read.GetProperty("types").GetProperty("refresh_token").GetString().Should().Be("null");
        Keys(read).Should().Equal(_contractKeys.Take(7), "without Google info only the token keys are written");
    }

    [Fact]
    public async Task UpdateAsync_AfterPythonRefreshAddedKey_KeepsPythonOnlyKey()
    {
        var userId = NewUserId();
        var google = new GoogleUserInfo("110000000000000000077", "mixed@example.com", "Mixed", VerifiedEmail: false);
        await Store.StoreAsync(userId, new OAuthTokenGrant("ya29.dotnet-1", "1//dotnet", TimeSpan.FromSeconds(3599), GmailReadonly), google);
        var refreshed = await PythonTokenBundleScript.RefreshAsync(_fixture.ServiceUrl, _prefix + userId, new { access_token = "ya29.python-2" });
        refreshed.GetProperty("document").GetProperty(PythonOnlyKey).ValueKind.Should().Be(JsonValueKind.Object);

        // Another process (a fresh container) does the next refresh, as a Lambda invocation would.
        await using var other = TokenStoreHost.Create(_fixture.ServiceUrl, _prefix);
        (await other.Store.GetAsync(userId))!.AccessToken.Should().Be("ya29.python-2");
        var updated = await other.Store.UpdateAsync(userId, new OAuthTokenGrant("ya29.dotnet-3", null, TimeSpan.FromSeconds(3599)));

        updated.RefreshToken.Should().Be("1//dotnet");
        updated.GoogleUser.Should().Be(google);
        var read = await PythonTokenBundleScript.ReadAsync(_fixture.ServiceUrl, _prefix + userId);
        ShouldHaveNoProblems(read);
        Keys(read).Should().Equal([.. _contractKeys, PythonOnlyKey]);
        var document = read.GetProperty("document");
        document.GetProperty("access_token").GetString().Should().Be("ya29.dotnet-3");
        document.GetProperty("google_verified_email").GetBoolean().Should().BeFalse();
        ShouldBePythonOnlyValue(document.GetProperty(PythonOnlyKey));
    }

    [Fact]
    public async Task PythonRefreshOfABundleWithoutGoogleAccount_IsNoAccount_RewritesKeepItsKeys_AndAnAccountIsNoSwitch()
    {
        await using var google = RotatingOAuthServer.Start();
        await using var lambda = await PythonLambdaWriter.StartAsync(_fixture.ServiceUrl);
        var userId = NewUserId();
        var secret = _prefix + userId;
        var grant = google.Connect("109876543210987654321");
        await Store.StoreAsync(userId, new OAuthTokenGrant(grant.AccessToken, grant.RefreshToken, TimeSpan.FromSeconds(grant.ExpiresIn)), googleUser: null);

        // The token refresh Lambda rebuilds the document with "" / false for the account it does not have.
        var refreshed = await lambda.RefreshAsync(secret, google);
        refreshed.GetProperty("wrote").GetBoolean().Should().BeTrue(refreshed.GetRawText());
        var written = refreshed.GetProperty("document");
        written.GetProperty("google_user_id").GetString().Should().BeEmpty();
        written.GetProperty("google_verified_email").GetBoolean().Should().BeFalse();

        // Another process (a fresh container) reads it, as the next Lambda invocation would.
        await using var other = TokenStoreHost.Create(_fixture.ServiceUrl, _prefix);
        var read = (await other.Store.GetAsync(userId))!;
        read.GoogleUser.Should().BeNull("an empty google_user_id is no Google account");
        read.AccessToken.Should().Be(written.GetProperty("access_token").GetString());

        // A library rewrite invents no account and keeps the keys the Python side wrote.
        var updated = await other.Store.UpdateAsync(userId, new OAuthTokenGrant("ya29.dotnet-update", null, TimeSpan.FromSeconds(3599)));
        updated.GoogleUser.Should().BeNull();
        var afterUpdate = await PythonTokenBundleScript.ReadAsync(_fixture.ServiceUrl, secret);
        ShouldHaveNoProblems(afterUpdate);
        Keys(afterUpdate).Should().Equal(_contractKeys);
        var document = afterUpdate.GetProperty("document");
        document.GetProperty("access_token").GetString().Should().Be("ya29.dotnet-update");
        document.GetProperty("google_user_id").GetString().Should().BeEmpty();
        document.GetProperty("google_email").GetString().Should().BeEmpty();
        document.GetProperty("google_name").GetString().Should().BeEmpty();
        document.GetProperty("google_verified_email").GetBoolean().Should().BeFalse();

        // Connecting an account afterwards is no switch, keeps the (rotated) refresh token, and is what Python reads.
        var account = new GoogleUserInfo("109876543210987654321", "python.user@example.com", "Python User", VerifiedEmail: true);
        var stored = await other.Store.StoreAsync(userId, new OAuthTokenGrant("ya29.dotnet-connect", null, TimeSpan.FromSeconds(3599)), account);
        stored.AccountSwitched.Should().BeFalse();
        stored.Bundle.RefreshToken.Should().Be(written.GetProperty("refresh_token").GetString());
        var again = await lambda.RefreshAsync(secret, google);
        again.GetProperty("wrote").GetBoolean().Should().BeTrue(again.GetRawText());
        again.GetProperty("document").GetProperty("google_user_id").GetString().Should().Be(account.Id);
        await using var third = TokenStoreHost.Create(_fixture.ServiceUrl, _prefix);
        (await third.Store.GetAsync(userId))!.GoogleUser.Should().Be(account);
    }

    private static string NewUserId() => "py" + Guid.NewGuid().ToString("N");

    private static string[] Keys(JsonElement report) =>
        report.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToArray();

    private static void ShouldHaveNoProblems(JsonElement report) =>
        report.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).Should()
            .BeEmpty("the Python reader found problems in {0}", report.GetProperty("document").GetRawText());

    private static void ShouldBePythonOnlyValue(JsonElement value)
    {
        value.ValueKind.Should().Be(JsonValueKind.Object);
        value.EnumerateObject().Select(p => p.Name).Should().Equal("nested");
        value.GetProperty("nested").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(1, 2);
    }

    /// <summary>Reads a naive <c>datetime.isoformat()</c> string as UTC.</summary>
    private static DateTimeOffset ParsePythonTimestamp(string text) =>
        DateTimeOffset.ParseExact(
            text, _timestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}

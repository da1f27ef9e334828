namespace PayPulse.OAuthSecrets.Tests.Store;

/// <summary>
/// The Python token refresh writes <c>google_user_id: ""</c>, <c>google_email: ""</c>, <c>google_name: ""</c> and
/// <c>google_verified_email: false</c> for a user stored without a Google account: that reads as no account, and the
/// library's rewrites keep those keys as the Python side wrote them until an account is stored.
/// </summary>
public sealed class NoGoogleAccountTests : TokenStoreTestBase
{
    private const string Secret = "gmail/user/u-1";

    public NoGoogleAccountTests() => Secrets.SetSecretString(Secret, Golden("python-refreshed-no-account.json"));

    [Fact]
    public async Task GetAsync_PythonRefreshedWithoutAccount_HasNoGoogleUser()
    {
        var bundle = await CreateStore().GetAsync("u-1");

        bundle!.GoogleUser.Should().BeNull();
    }

    [Fact]
    public async Task StoreAsync_WithAnAccount_StoresItAndReportsNoSwitch()
    {
        var result = await CreateStore().StoreAsync("u-1", Grant(), Alice);

        result.AccountSwitched.Should().BeFalse("there was no account to switch from");
        result.PreviousGoogleEmail.Should().BeNull();
        result.Bundle.GoogleUser.Should().Be(Alice);
        var stored = StoredJson("u-1");
        stored.GetProperty("google_user_id").GetString().Should().Be("111");
        stored.GetProperty("google_email").GetString().Should().Be("alice@example.com");
        stored.GetProperty("google_name").GetString().Should().Be("Alice");
        stored.GetProperty("google_verified_email").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task StoreAsync_WithAnAccountThenAnother_ReportsOnlyTheSecondAsASwitch()
    {
        var store = CreateStore();

        var first = await store.StoreAsync("u-1", Grant(), Alice);
        var second = await store.StoreAsync("u-1", Grant(access: "ya29.bob"), Bob);

        first.AccountSwitched.Should().BeFalse();
        second.AccountSwitched.Should().BeTrue();
        second.PreviousGoogleEmail.Should().Be("alice@example.com");
    }

    [Fact]
    public async Task StoreAsync_WithoutAnAccount_InventsNoneAndKeepsThePythonKeys()
    {
        var result = await CreateStore().StoreAsync("u-1", Grant(), googleUser: null);

        result.Bundle.GoogleUser.Should().BeNull();
        result.AccountSwitched.Should().BeFalse();
        AssertEmptyAccountKeys();
    }

    [Fact]
    public async Task UpdateAsync_InventsNoAccountAndKeepsThePythonKeys()
    {
        var bundle = await CreateStore().UpdateAsync("u-1", Grant(access: "ya29.new"));

        bundle.GoogleUser.Should().BeNull();
        StoredJson("u-1").GetProperty("access_token").GetString().Should().Be("ya29.new");
        AssertEmptyAccountKeys();
    }

    [Fact]
    public async Task StoreAsync_NewUserWithoutAnAccount_WritesNoGoogleKeys()
    {
        await CreateStore().StoreAsync("u-2", Grant(), googleUser: null);

        Keys(StoredJson("u-2")).Should().NotContain(k => k.StartsWith("google_", StringComparison.Ordinal));
    }

    private void AssertEmptyAccountKeys()
    {
        var stored = StoredJson("u-1");
        Keys(stored).Should().EndWith(["google_user_id", "google_email", "google_name", "google_verified_email"]);
        stored.GetProperty("google_user_id").GetString().Should().BeEmpty();
        stored.GetProperty("google_email").GetString().Should().BeEmpty();
        stored.GetProperty("google_name").GetString().Should().BeEmpty();
        stored.GetProperty("google_verified_email").GetBoolean().Should().BeFalse();
    }

    private static string Golden(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Serialization", "Golden", file));
}

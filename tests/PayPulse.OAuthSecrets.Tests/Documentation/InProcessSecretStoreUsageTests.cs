using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace PayPulse.OAuthSecrets.Tests.Documentation;

/// <summary>The README's example of the in-process store in an application's own tests, run as a test.</summary>
public sealed class InProcessSecretStoreUsageTests
{
    #region snippet:in-process-store-test
    [Fact]
    public async Task Reconnect_WithoutRefreshToken_KeepsTheStoredOne()
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true)    // nothing leaves the process
            .BuildServiceProvider();
        var secrets = provider.GetRequiredService<InProcessSecretStore>();     // the store the library uses
        var tokens = provider.GetRequiredService<IOAuthTokenStore>();

        // Seed: a bundle as the Python Lambdas write it, named {SecretNamePrefix}{userId}.
        secrets.SetSecretString("gmail/user/alice", """
            {"access_token": "ya29.old", "refresh_token": "1//alice", "expires_at": "2026-11-25T06:03:03.123456",
             "expires_in": 3599, "scope": "https://www.googleapis.com/auth/gmail.readonly", "token_type": "Bearer"}
            """);

        // The code under test: here a reconnect without a refresh token, as Google answers a repeated consent.
        await tokens.StoreAsync("alice", new OAuthTokenGrant("ya29.new", RefreshToken: null, TimeSpan.FromHours(1)));

        // Inspect what it wrote.
        using var stored = JsonDocument.Parse(secrets.GetSecretString("gmail/user/alice")!);
        stored.RootElement.GetProperty("access_token").GetString().Should().Be("ya29.new");
        stored.RootElement.GetProperty("refresh_token").GetString().Should().Be("1//alice");
        secrets.Names.Should().Equal("gmail/user/alice");
    }
    #endregion
}

using Microsoft.Extensions.DependencyInjection;
using PayPulse.OAuthSecrets.Maintenance;

namespace PayPulse.OAuthSecrets.Tests.Maintenance;

public sealed class MaintenanceRegistrationTests
{
    [Fact]
    public async Task AddPayPulseOAuthSecrets_RegistersOneSweep_OverTheContainersStore()
    {
        var services = new ServiceCollection();
        services.AddPayPulseOAuthSecrets(o =>
        {
            o.UseInProcessSecretStore = true;
            o.GoogleClientId = "ios-client.apps.googleusercontent.com";
        });
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var maintenance = provider.GetRequiredService<IOAuthTokenMaintenance>();
        provider.GetRequiredService<IOAuthTokenMaintenance>().Should().BeSameAs(maintenance);
        await provider.GetRequiredService<IOAuthTokenStore>()
            .StoreAsync("u-1", new OAuthTokenGrant("ya29.a", "1//r", TimeSpan.FromHours(1)));
        provider.GetRequiredService<InProcessSecretStore>().SetSecretString("gmail/user/u-2", "not json");

        var report = await maintenance.SweepAsync(new OAuthTokenSweepOptions());

        report.Should().BeEquivalentTo(new { Scanned = 2, Valid = 1, Malformed = 1 }, o => o.ExcludingMissingMembers());
    }
}

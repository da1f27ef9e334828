using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PayPulse.OAuthSecrets.Gmail;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.DependencyInjection;

public sealed class InProcessSecretStoreWarningTests
{
    private const int InProcessSecretStoreInUse = 3002;

    [Fact]
    public async Task UseInProcessSecretStore_LogsOneWarningPerContainer()
    {
        var logs = new FakeLogCollector();
        using var provider = CreateProvider(logs, o => o.UseInProcessSecretStore = true);

        var store = provider.GetRequiredService<IOAuthTokenStore>();
        await store.StoreAsync("u-1", new OAuthTokenGrant("a", "r", TimeSpan.FromHours(1)));
        await store.GetAsync("u-1");
        provider.GetRequiredService<IGmailCredentialFactory>();
        provider.GetRequiredService<IOAuthTokenStore>();

        var warning = logs.GetSnapshot().Should().ContainSingle(r => r.Level >= LogLevel.Warning).Subject;
        warning.Id.Id.Should().Be(InProcessSecretStoreInUse);
        warning.Id.Name.Should().Be("InProcessSecretStoreInUse");
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Category.Should().Be(typeof(InProcessSecretStore).FullName);
        warning.Message.Should().Contain("nothing is stored durably").And.Contain("development and tests only");
    }

    [Fact]
    public void UseInProcessSecretStore_EachContainerWarnsOnce()
    {
        var first = new FakeLogCollector();
        var second = new FakeLogCollector();
        using var one = CreateProvider(first, o => o.UseInProcessSecretStore = true);
        using var two = CreateProvider(second, o => o.UseInProcessSecretStore = true);

        one.GetRequiredService<IOAuthTokenStore>();
        two.GetRequiredService<IOAuthTokenStore>();
        two.GetRequiredService<IGmailCredentialFactory>();

        first.GetSnapshot().Should().ContainSingle(r => r.Id.Id == InProcessSecretStoreInUse);
        second.GetSnapshot().Should().ContainSingle(r => r.Id.Id == InProcessSecretStoreInUse);
    }

    [Fact]
    public void UseInProcessSecretStore_NotYetUsed_LogsNothing()
    {
        var logs = new FakeLogCollector();
        using var provider = CreateProvider(logs, o => o.UseInProcessSecretStore = true);

        // Seeding the store before the library uses it is not a use of it.
        provider.GetRequiredService<InProcessSecretStore>().SetSecretString("gmail/user/u-1", "{}");

        logs.GetSnapshot().Should().NotContain(r => r.Id.Id == InProcessSecretStoreInUse);
    }

    [Fact]
    public void SecretsManagerClient_LogsNoInProcessWarning()
    {
        var logs = new FakeLogCollector();
        using var provider = CreateProvider(logs, o =>
        {
            o.Region = "eu-west-1";
            o.Credentials = new BasicAWSCredentials("AKID", "secret");
        });

        provider.GetRequiredService<ISecretsManagerClient>().Should().BeOfType<SecretsManagerClient>();
        provider.GetRequiredService<IOAuthTokenStore>();
        provider.GetRequiredService<IGmailCredentialFactory>();

        logs.GetSnapshot().Should().NotContain(r => r.Id.Id == InProcessSecretStoreInUse);
        logs.GetSnapshot().Should().NotContain(r => r.Level >= LogLevel.Warning);
    }

    private static ServiceProvider CreateProvider(FakeLogCollector logs, Action<OAuthSecretsOptions> configure) =>
        new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)))
            .AddPayPulseOAuthSecrets(configure)
            .BuildServiceProvider();
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Retry;

public sealed class RetryModeOptionsTests
{
    [Fact]
    public void RetryMode_DefaultsToStandard() => new OAuthSecretsOptions().RetryMode.Should().Be(SecretsManagerRetryMode.Standard);

    [Fact]
    public void Startup_UndefinedRetryMode_FailsValidationNamingIt()
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o =>
            {
                o.UseInProcessSecretStore = true;
                o.RetryMode = (SecretsManagerRetryMode)7;
            })
            .BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(nameof(OAuthSecretsOptions.RetryMode));
    }

    [Theory]
    [InlineData("Adaptive", SecretsManagerRetryMode.Adaptive)]
    [InlineData("adaptive", SecretsManagerRetryMode.Adaptive)]
    [InlineData("standard", SecretsManagerRetryMode.Standard)]
    public void RetryMode_BindsFromConfiguration_AsTheAwsConfigFileSpellsIt(string value, SecretsManagerRetryMode expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PayPulse:OAuthSecrets:Region"] = "us-east-1",
                ["PayPulse:OAuthSecrets:RetryMode"] = value,
            })
            .Build();

        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(configuration.GetSection(OAuthSecretsOptions.DefaultSectionName))
            .BuildServiceProvider();

        provider.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value.RetryMode.Should().Be(expected);
    }

    [Fact]
    public void Container_AdaptiveMode_GivesItsSecretsManagerClientARateLimiter_AndEachContainerItsOwnQuota()
    {
        using var first = Provider(SecretsManagerRetryMode.Adaptive);
        using var second = Provider(SecretsManagerRetryMode.Standard);

        var adaptive = (SecretsManagerClient)first.GetRequiredService<ISecretsManagerClient>();
        var standard = (SecretsManagerClient)second.GetRequiredService<ISecretsManagerClient>();

        adaptive.RetryBudget.RateLimiter.Should().NotBeNull();
        standard.RetryBudget.RateLimiter.Should().BeNull();
        adaptive.RetryBudget.Quota.Should().NotBeSameAs(standard.RetryBudget.Quota);
        first.GetRequiredService<ISecretsManagerClient>().Should().BeSameAs(adaptive, "one client, so one quota, per container");
    }

    [Fact]
    public void CustomValidator_AcceptsBothModes()
    {
        var validator = new OAuthSecretsOptionsCustomValidator(_ => null);

        foreach (var mode in Enum.GetValues<SecretsManagerRetryMode>())
        {
            validator.Validate(null, new OAuthSecretsOptions { UseInProcessSecretStore = true, RetryMode = mode }).Succeeded.Should().BeTrue();
        }
    }

    private static ServiceProvider Provider(SecretsManagerRetryMode mode) => new ServiceCollection()
        .AddPayPulseOAuthSecrets(o =>
        {
            o.Region = "us-east-1";
            o.RetryMode = mode;
        })
        .BuildServiceProvider();
}

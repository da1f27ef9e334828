using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PayPulse.OAuthSecrets.Snippets;

/// <summary>What a Lambda builds once per container.</summary>
public static class LambdaStartup
{
    public static ServiceProvider CreateServices()
    {
        #region snippet:lambda-startup
        // Startup (once per Lambda container); Region comes from AWS_REGION, which Lambda sets.
        var provider = new ServiceCollection()
            .AddLogging()
            .AddPayPulseOAuthSecrets()
            .AddSingleton<ReadInvoicesHandler>()
            .BuildServiceProvider();
        // Without a host nothing runs ValidateOnStart: validate now, so a missing Region fails the cold start, not a request.
        provider.GetRequiredService<IStartupValidator>().Validate();
        #endregion
        return provider;
    }
}

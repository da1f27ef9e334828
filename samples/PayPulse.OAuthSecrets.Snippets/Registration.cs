using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PayPulse.OAuthSecrets.Snippets;

/// <summary>The two ways to register the library: from configuration or in code.</summary>
public static class Registration
{
    public static IServiceCollection Register(IServiceCollection services, IConfiguration configuration)
    {
        #region snippet:register
        // Program.cs of a Lambda or service
        services.AddPayPulseOAuthSecrets(configuration.GetSection("PayPulse:OAuthSecrets"));
        // or
        services.AddPayPulseOAuthSecrets(o => o.Region = "eu-west-1");
        #endregion
        return services;
    }
}

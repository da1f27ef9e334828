using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace PayPulse.OAuthSecrets.Snippets;

/// <summary>A handler and a proxy on the library's named HTTP clients.</summary>
public static class HttpClientCustomization
{
    public static IServiceCollection Configure(IServiceCollection services)
    {
        #region snippet:http-clients
        services.AddTransient<MyTracingHandler>();
        services.AddHttpClient(OAuthSecretsHttpClientNames.GoogleTokenEndpoint)
            .AddHttpMessageHandler<MyTracingHandler>()
            .ConfigurePrimaryHttpMessageHandler((handler, _) => ((SocketsHttpHandler)handler).Proxy = new WebProxy("http://proxy:3128"));
        #endregion
        return services;
    }
}

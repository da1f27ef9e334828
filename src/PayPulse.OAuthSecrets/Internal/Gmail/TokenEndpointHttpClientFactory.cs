using Google.Apis.Http;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// Google.Apis' HTTP client factory over our handler chain: pooled connections, no redirects followed, bodies capped,
/// <c>Retry-After</c> kept, empty error bodies made readable.
/// </summary>
internal sealed class TokenEndpointHttpClientFactory(Func<HttpMessageHandler> primaryHandler) : HttpClientFactory
{
    public static SocketsHttpHandler CreatePrimaryHandler() => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseCookies = false,
    };

    protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) =>
        new EmptyErrorBodyHandler { InnerHandler = new TokenEndpointResponseHandler { InnerHandler = primaryHandler() } };
}

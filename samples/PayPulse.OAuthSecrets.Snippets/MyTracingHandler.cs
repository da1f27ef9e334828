using System.Diagnostics;

namespace PayPulse.OAuthSecrets.Snippets;

/// <summary>An application's own handler, added to the library's named HTTP clients in the README.</summary>
public sealed class MyTracingHandler : DelegatingHandler
{
    private static readonly ActivitySource Source = new("PayPulse.OAuthSecrets.Snippets");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("MyTracingHandler");
        var response = await base.SendAsync(request, cancellationToken);
        activity?.SetTag("http.response.status_code", (int)response.StatusCode);
        return response;
    }
}

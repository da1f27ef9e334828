namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>
/// Passes requests to a handler the test keeps: whoever owns this one (Google's HttpClient, say) may dispose it
/// without disposing the script behind it.
/// </summary>
internal sealed class ForwardingHandler(HttpMessageHandler target) : DelegatingHandler
{
    private readonly HttpMessageInvoker _invoker = new(target, disposeHandler: false);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _invoker.SendAsync(request, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _invoker.Dispose();
        }

        base.Dispose(disposing);
    }
}

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// Produces the answer to one request of a <see cref="LoopbackHttpServer"/>. The token is cancelled when the server
/// stops, so a responder that waits must observe it.
/// </summary>
/// <param name="request">The request, already recorded.</param>
/// <param name="cancellationToken">Cancelled when the server is disposed.</param>
/// <returns>The response to send.</returns>
public delegate Task<LoopbackResponse> LoopbackResponder(RecordedHttpRequest request, CancellationToken cancellationToken);

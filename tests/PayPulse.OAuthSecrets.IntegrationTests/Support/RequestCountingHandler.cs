using System.Collections.Concurrent;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>Counts the HTTP requests that go through it and remembers their <c>X-Amz-Target</c>s.</summary>
internal sealed class RequestCountingHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<string> _targets = new();

    /// <summary>Gets the <c>X-Amz-Target</c> of every request sent so far, in order.</summary>
    public IReadOnlyList<string> Targets => [.. _targets];

    /// <summary>Gets how many requests were sent.</summary>
    public int Count => _targets.Count;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.FirstOrDefault() : null;
        _targets.Enqueue(target ?? "(none)");
        return base.SendAsync(request, cancellationToken);
    }
}

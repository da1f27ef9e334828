using System.Net;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// Google's OAuth token endpoint played on 127.0.0.1: <c>POST /token</c> with a form body. Every request is recorded
/// (method, path, headers, parsed form); answers come from a per-test script of <see cref="GoogleTokenResponses"/>.
/// Requests to any other path or with another method get 404 or 405 without using up the script.
/// </summary>
public sealed class LoopbackTokenEndpoint : IAsyncDisposable
{
    /// <summary>The path the endpoint serves.</summary>
    public const string TokenPath = "/token";

    private readonly LoopbackHttpServer _server;

    private LoopbackTokenEndpoint(LoopbackHttpServer server)
    {
        _server = server;
        TokenUri = new Uri(server.BaseUri, TokenPath.TrimStart('/'));
    }

    /// <summary>The token endpoint's address, <c>http://127.0.0.1:{port}/token</c>.</summary>
    public Uri TokenUri { get; }

    /// <summary>A snapshot of every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedHttpRequest> Requests => _server.Requests;

    /// <summary>How many requests have arrived so far.</summary>
    public int RequestCount => _server.RequestCount;

    /// <summary>Starts an endpoint that answers <see cref="GoogleTokenResponses.Unscripted"/> until scripted.</summary>
    public static LoopbackTokenEndpoint Start() => new(LoopbackHttpServer.Start(GoogleTokenResponses.Unscripted(), RejectNonTokenRequest));

    /// <summary>Queues <paramref name="responder"/> for the next token request.</summary>
    public LoopbackTokenEndpoint Then(LoopbackResponder responder)
    {
        _server.Then(responder);
        return this;
    }

    /// <summary>Answers every token request after the queued ones with <paramref name="responder"/>.</summary>
    public LoopbackTokenEndpoint Always(LoopbackResponder responder)
    {
        _server.Always(responder);
        return this;
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> requests have arrived.</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan? timeout = null) => _server.WaitForRequestsAsync(count, timeout);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>404 for another path, 405 for another method than POST; <see langword="null"/> for a token request.</summary>
    public static LoopbackResponse? RejectNonTokenRequest(RecordedHttpRequest request)
    {
        if (!string.Equals(request.Path, TokenPath, StringComparison.Ordinal))
        {
            return LoopbackResponse.Json(HttpStatusCode.NotFound, """{"error":"not_found"}""");
        }

        if (!string.Equals(request.Method, "POST", StringComparison.Ordinal))
        {
            return LoopbackResponse.Json(HttpStatusCode.MethodNotAllowed, """{"error":"invalid_request","error_description":"POST only"}""");
        }

        return null;
    }
}

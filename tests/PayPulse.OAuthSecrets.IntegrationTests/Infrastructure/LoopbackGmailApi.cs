using System.Net;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// A stand-in for the Gmail REST API on 127.0.0.1 that answers requests from a script and records them (with their
/// Authorization header), to exercise what a credential does when Gmail answers 401.
/// </summary>
public sealed class LoopbackGmailApi : IAsyncDisposable
{
    /// <summary>The body of Gmail's 401 for a rejected access token.</summary>
    public const string UnauthenticatedBody =
        """{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}""";

    private readonly LoopbackHttpServer _server;

    private LoopbackGmailApi(LoopbackHttpServer server)
    {
        _server = server;
        MessagesUri = new Uri(server.BaseUri, "gmail/v1/users/me/messages");
    }

    /// <summary>The address of <c>users.messages.list</c> for the authenticated user.</summary>
    public Uri MessagesUri { get; }

    /// <summary>A snapshot of every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedHttpRequest> Requests => _server.Requests;

    /// <summary>The Authorization header of every request so far (<see langword="null"/> when one had none).</summary>
    public IReadOnlyList<string?> AuthorizationHeaders => [.. _server.Requests.Select(r => r.Header("Authorization"))];

    /// <summary>Starts an API that answers 404 until scripted.</summary>
    public static LoopbackGmailApi Start() => new(LoopbackHttpServer.Start(LoopbackResponders.Fixed(
        LoopbackResponse.Json(HttpStatusCode.NotFound, """{"error":{"code":404,"message":"Not scripted.","status":"NOT_FOUND"}}"""))));

    /// <summary>Queues a JSON answer for the next request.</summary>
    public LoopbackGmailApi Then(HttpStatusCode statusCode, string body)
    {
        _server.Then(LoopbackResponders.Fixed(LoopbackResponse.Json(statusCode, body)));
        return this;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

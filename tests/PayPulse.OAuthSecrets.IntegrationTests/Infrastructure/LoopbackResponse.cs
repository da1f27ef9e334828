using System.Net;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>What a <see cref="LoopbackHttpServer"/> answers to one request.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The body, sent as UTF-8.</param>
/// <param name="ContentType">The Content-Type header.</param>
public sealed record LoopbackResponse(HttpStatusCode StatusCode, string Body, string ContentType = LoopbackResponse.JsonContentType)
{
    /// <summary>The content type of JSON bodies, as Google's endpoints send it.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Gets the extra response headers (<c>Location</c>, <c>Retry-After</c>, …).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Gets the Content-Length to announce instead of the body's, or <see langword="null"/> for the body's.</summary>
    public long? AnnouncedLength { get; init; }

    /// <summary>Gets a value indicating whether the body goes out chunked, with no Content-Length.</summary>
    public bool Chunked { get; init; }

    /// <summary>
    /// Gets a value indicating whether the response stays open after the body until the server stops (then the
    /// connection is aborted): a client that waits for more never gets an answer.
    /// </summary>
    public bool HoldAfterBody { get; init; }

    /// <summary>A JSON response.</summary>
    public static LoopbackResponse Json(HttpStatusCode statusCode, string body) => new(statusCode, body);
}

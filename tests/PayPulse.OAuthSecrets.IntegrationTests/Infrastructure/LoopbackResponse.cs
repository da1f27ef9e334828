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

    /// <summary>A JSON response.</summary>
    public static LoopbackResponse Json(HttpStatusCode statusCode, string body) => new(statusCode, body);
}

using System.Text;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Hand-made AWS JSON-protocol requests for poking moto without an SDK or a real signature.</summary>
public static class RawAwsJsonRequest
{
    /// <summary>
    /// A well-formed SigV4 Authorization header for Secrets Manager in us-east-1 with a key no server knows and a zero
    /// signature. moto_server picks the service from the credential scope (a request without an Authorization header
    /// is routed to S3, whatever its X-Amz-Target says), so this routes a request to Secrets Manager: a plain server
    /// accepts it, an auth-enforcing one answers 403 InvalidClientTokenId.
    /// </summary>
    public const string BogusAuthorization =
        "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWNKEY000000/20260101/us-east-1/secretsmanager/aws4_request, "
        + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        + "Signature=0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The content type of the AWS JSON 1.1 protocol.</summary>
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>An <see cref="HttpClient"/> that never goes through a proxy.</summary>
    public static HttpClient CreateClient() =>
        new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>POSTs <paramref name="json"/> to <paramref name="serviceUrl"/> with <c>X-Amz-Target: {target}</c>.</summary>
    /// <param name="http">The client to send with.</param>
    /// <param name="serviceUrl">The server's base address.</param>
    /// <param name="target">The X-Amz-Target, e.g. <c>secretsmanager.ListSecrets</c>.</param>
    /// <param name="json">The request body.</param>
    /// <param name="authorization">The Authorization header to send, or <see langword="null"/> to send none.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public static async Task<HttpResponseMessage> PostAsync(
        HttpClient http,
        Uri serviceUrl,
        string target,
        string json,
        string? authorization = BogusAuthorization,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(HttpMethod.Post, serviceUrl)
        {
            Content = new StringContent(json, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new(ContentType);
        request.Headers.Add("X-Amz-Target", target);
        request.Headers.Add("X-Amz-Date", "20260101T000000Z");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await http.SendAsync(request, cancellationToken);
    }
}

using System.Net;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// Checks each token endpoint answer before Google.Apis.Auth reads it: a redirect is refused (they are never followed),
/// the <c>Retry-After</c> of a 429 or 503 is kept for the retry, and the body is read into memory only up to
/// <see cref="MaxBodyBytes"/>; a larger one is refused as soon as its <c>Content-Length</c> or its first bytes beyond
/// the limit show it, chunked or not, without reading the rest.
/// </summary>
internal sealed class TokenEndpointResponseHandler : DelegatingHandler
{
    /// <summary>The largest body accepted: Google's answers are a few hundred bytes to a few KB.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                throw new TokenEndpointResponseException(
                    "redirect", response.StatusCode, $"a redirect (HTTP {status}) to {DescribeLocation(response.Headers.Location)}, which is not followed");
            }

            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable &&
                TokenEndpointAttempt.Current is { } attempt)
            {
                attempt.RetryAfter = response.Headers.RetryAfter;
            }

            var body = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
            var content = new ByteArrayContent(body);
            foreach (var header in response.Content.Headers)
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            response.Content.Dispose();
            response.Content = content;
            return response;
        }
        catch
        {
            // Closes the connection rather than draining what is left of a refused body.
            response.Dispose();
            throw;
        }
    }

    private static string DescribeLocation(Uri? location) => location switch
    {
        null => "no location",
        { IsAbsoluteUri: true } absolute => "host " + absolute.IdnHost,
        _ => "a relative location",
    };

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        if (response.Content.Headers.ContentLength is > MaxBodyBytes and var length)
        {
            throw TooLarge(status, $"{length} bytes announced");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // One byte more than the limit tells a body at the limit from a larger one.
            var buffer = new byte[MaxBodyBytes + 1];
            var total = 0;
            int read;
            while (total < buffer.Length &&
                   (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total > MaxBodyBytes ? throw TooLarge(status, "more") : buffer.AsSpan(0, total).ToArray();
        }
    }

    private static TokenEndpointResponseException TooLarge(HttpStatusCode status, string size) =>
        new("invalid_response", status, $"a body larger than {MaxBodyBytes} bytes ({size}), which is not read");
}

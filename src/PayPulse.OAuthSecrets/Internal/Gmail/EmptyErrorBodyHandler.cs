using System.Net.Http.Headers;
using System.Text;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// Gives an error response of the token endpoint that has no body a small OAuth error body, so that Google.Apis.Auth
/// reports its status in a <c>TokenResponseException</c> instead of failing with a <see cref="NullReferenceException"/>.
/// </summary>
internal sealed class EmptyErrorBodyHandler : DelegatingHandler
{
    public const string ErrorCode = "empty_response";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            response.Content = new StringContent(
                $$"""{"error":"{{ErrorCode}}","error_description":"HTTP {{(int)response.StatusCode}} with an empty body"}""",
                Encoding.UTF8,
                new MediaTypeHeaderValue("application/json"));
        }
        else
        {
            response.Content = new ByteArrayContent(body) { Headers = { ContentType = response.Content.Headers.ContentType } };
        }

        return response;
    }
}

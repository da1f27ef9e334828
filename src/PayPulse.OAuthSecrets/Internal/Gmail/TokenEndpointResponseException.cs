using System.Net;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// A token endpoint answer the handler chain refused before Google.Apis.Auth read it (a redirect, an oversized body).
/// Internal: <see cref="GoogleTokenRefresher"/> turns it into an <see cref="OAuthTokenRefreshException"/>. The message
/// describes the answer and never quotes its body.
/// </summary>
internal sealed class TokenEndpointResponseException : Exception
{
    public TokenEndpointResponseException()
    {
    }

    public TokenEndpointResponseException(string message)
        : base(message)
    {
    }

    public TokenEndpointResponseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TokenEndpointResponseException(string errorCode, HttpStatusCode statusCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
    }

    /// <summary>Gets the library's error code: <c>redirect</c> or <c>invalid_response</c>.</summary>
    public string ErrorCode { get; } = "invalid_response";

    public HttpStatusCode? StatusCode { get; }
}

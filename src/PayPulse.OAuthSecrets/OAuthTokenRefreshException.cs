using System.Net;

namespace PayPulse.OAuthSecrets;

/// <summary>Refreshing a user's access token failed for a reason other than a revoked refresh token: Google's token endpoint answered with an error, an unreadable response, or not at all. Nothing was deleted.</summary>
public sealed class OAuthTokenRefreshException : OAuthSecretsException
{
    /// <summary>Initializes a new instance of the <see cref="OAuthTokenRefreshException"/> class.</summary>
    public OAuthTokenRefreshException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenRefreshException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public OAuthTokenRefreshException(string? message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenRefreshException"/> class.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthTokenRefreshException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenRefreshException"/> class with full details.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="userId">The user whose token was being refreshed.</param>
    /// <param name="errorCode">Google's OAuth error code (such as <c>invalid_client</c>), if it sent one.</param>
    /// <param name="statusCode">The token endpoint's HTTP status, or <see langword="null"/> when no response arrived.</param>
    /// <param name="isTransient">Whether trying again later may succeed.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthTokenRefreshException(
        string? message, string? userId, string? errorCode, HttpStatusCode? statusCode, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        UserId = userId;
        ErrorCode = errorCode;
        StatusCode = statusCode;
        IsTransient = isTransient;
    }

    /// <summary>A failure with no HTTP response to describe it; <paramref name="errorCode"/> is the library's own.</summary>
    internal OAuthTokenRefreshException(string message, string userId, string errorCode, bool isTransient, Exception? innerException = null)
        : this(message, userId, errorCode, statusCode: null, isTransient, innerException)
    {
    }

    /// <summary>Gets the user whose token was being refreshed, when known.</summary>
    public string? UserId { get; }

    /// <summary>
    /// Gets a short machine code for the failure: Google's OAuth error code (such as <c>invalid_client</c> or
    /// <c>temporarily_unavailable</c>) when it sent one that looks like a code (lowercase letters and underscores, at most
    /// 64 characters), otherwise one of the library's own: <c>timeout</c>, <c>network_error</c>, <c>invalid_response</c>,
    /// <c>empty_response</c>, <c>redirect</c>, <c>missing_refresh_token</c>, <c>unexpected_error</c>.
    /// </summary>
    public string? ErrorCode { get; }

    /// <summary>
    /// Gets the wait the token endpoint asked for with <c>Retry-After</c> on its last 429 or 503 answer, or
    /// <see langword="null"/> when it sent none. When this is longer than <see cref="OAuthSecretsOptions.MaxRetryDelay"/>
    /// the library did not retry; trying again before it has passed is likely to be refused again.
    /// </summary>
    public TimeSpan? RetryAfter { get; internal init; }

    /// <summary>Gets the token endpoint's HTTP status, or <see langword="null"/> when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>
    /// Gets a value indicating whether the failure is transient (5xx, 408, 429, timeouts, connection failures): the
    /// library already retried it, and a later attempt may succeed.
    /// </summary>
    public bool IsTransient { get; }
}

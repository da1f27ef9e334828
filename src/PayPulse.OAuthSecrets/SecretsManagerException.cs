using System.Net;

namespace PayPulse.OAuthSecrets;

/// <summary>
/// A call to AWS Secrets Manager failed. Carries the service's error code, the HTTP status, the request id and
/// whether the failure is transient. Never contains a secret value.
/// </summary>
public sealed class SecretsManagerException : OAuthSecretsException
{
    /// <summary>Initializes a new instance of the <see cref="SecretsManagerException"/> class.</summary>
    public SecretsManagerException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SecretsManagerException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public SecretsManagerException(string? message)
        : base(message)
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="SecretsManagerException"/> class with a message and the exception
    /// that caused it.
    /// </summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public SecretsManagerException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="SecretsManagerException"/> class with full details.
    /// </summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="kind">What kind of failure this is.</param>
    /// <param name="errorCode">The service's error code, such as <c>ThrottlingException</c>, or <see langword="null"/>.</param>
    /// <param name="statusCode">The HTTP status of the response, or <see langword="null"/> when none was received.</param>
    /// <param name="requestId">The <c>x-amzn-RequestId</c> of the response, or <see langword="null"/>.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public SecretsManagerException(
        string? message,
        SecretsManagerErrorKind kind,
        string? errorCode,
        HttpStatusCode? statusCode,
        string? requestId,
        Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ErrorCode = errorCode;
        StatusCode = statusCode;
        RequestId = requestId;
    }

    /// <summary>A failure with no response to describe it: a timeout, a broken connection, missing credentials.</summary>
    internal SecretsManagerException(string message, SecretsManagerErrorKind kind, Exception? innerException)
        : this(message, kind, errorCode: null, statusCode: null, requestId: null, innerException)
    {
    }

    /// <summary>Gets what kind of failure this is.</summary>
    public SecretsManagerErrorKind Kind { get; }

    /// <summary>Gets the service's error code (for example <c>ResourceNotFoundException</c>), if there was one.</summary>
    public string? ErrorCode { get; }

    /// <summary>Gets the HTTP status of the failed response, or <see langword="null"/> when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets the AWS request id of the failed response, if the service sent one.</summary>
    public string? RequestId { get; }

    /// <summary>
    /// Gets a value indicating whether the failure is transient (throttling, service errors, timeouts, connection
    /// failures, an unreadable success response), so that trying again later may succeed. The client has already
    /// retried such failures.
    /// </summary>
    public bool IsTransient => Kind is SecretsManagerErrorKind.Throttled
        or SecretsManagerErrorKind.ServiceUnavailable
        or SecretsManagerErrorKind.Timeout
        or SecretsManagerErrorKind.Network
        or SecretsManagerErrorKind.UnreadableSuccessResponse;
}

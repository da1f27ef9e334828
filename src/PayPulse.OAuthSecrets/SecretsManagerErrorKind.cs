namespace PayPulse.OAuthSecrets;

/// <summary>What kind of failure a <see cref="SecretsManagerException"/> reports.</summary>
public enum SecretsManagerErrorKind
{
    /// <summary>An error the library does not classify; see <see cref="SecretsManagerException.ErrorCode"/>.</summary>
    Unknown = 0,

    /// <summary>The secret, or its current value, does not exist (<c>ResourceNotFoundException</c>).</summary>
    NotFound,

    /// <summary>A secret with that name already exists (<c>ResourceExistsException</c>).</summary>
    AlreadyExists,

    /// <summary>The secret is scheduled for deletion and cannot be read or written until it is gone or restored.</summary>
    ScheduledForDeletion,

    /// <summary>The request is not valid in the secret's current state (<c>InvalidRequestException</c>).</summary>
    InvalidRequest,

    /// <summary>A parameter was rejected by the service (<c>InvalidParameterException</c>, validation errors).</summary>
    InvalidParameter,

    /// <summary>The caller is not allowed to perform the operation (<c>AccessDeniedException</c>).</summary>
    AccessDenied,

    /// <summary>The request was not authenticated: unknown key, bad signature, expired session token.</summary>
    Authentication,

    /// <summary>AWS KMS could not encrypt or decrypt the secret (<c>EncryptionFailure</c>, <c>DecryptionFailure</c>).</summary>
    Kms,

    /// <summary>A hard service quota was reached (<c>LimitExceededException</c>); retrying does not help.</summary>
    QuotaExceeded,

    /// <summary>The request was throttled. Transient.</summary>
    Throttled,

    /// <summary>The service failed (internal error, HTTP 5xx). Transient.</summary>
    ServiceUnavailable,

    /// <summary>The attempt timed out. Transient.</summary>
    Timeout,

    /// <summary>The connection failed or broke. Transient.</summary>
    Network,

    /// <summary>
    /// The service answered with a response the client could not read: an error response that is not one, or a response
    /// larger than the client reads. Not transient. A success (2xx) response that cannot be read is
    /// <see cref="UnreadableSuccessResponse"/> instead.
    /// </summary>
    InvalidResponse,

    /// <summary>
    /// A success (2xx) response whose body is not the expected JSON: cut off, not JSON, or the wrong shape. Transient:
    /// the body was most likely damaged after the status line was sent (a broken connection, a proxy), so the client
    /// retries it as the AWS SDKs do. The write operations are idempotent (client request tokens), so a retried write
    /// is safe.
    /// </summary>
    UnreadableSuccessResponse,
}

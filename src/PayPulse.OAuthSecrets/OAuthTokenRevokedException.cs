namespace PayPulse.OAuthSecrets;

/// <summary>Google refused the user's refresh token (<c>invalid_grant</c>: revoked, expired, or the user's password changed). The user's secret has been deleted; they must connect Gmail again.</summary>
public sealed class OAuthTokenRevokedException : OAuthSecretsException
{
    /// <summary>Initializes a new instance of the <see cref="OAuthTokenRevokedException"/> class.</summary>
    public OAuthTokenRevokedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenRevokedException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public OAuthTokenRevokedException(string? message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenRevokedException"/> class.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthTokenRevokedException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenRevokedException"/> class for a user.</summary>
    /// <param name="userId">The user whose refresh token was refused.</param>
    /// <param name="secretDeleted">Whether the user's secret was deleted.</param>
    /// <param name="innerException">The token endpoint's error, or <see langword="null"/>.</param>
    public OAuthTokenRevokedException(string userId, bool secretDeleted, Exception? innerException)
        : base(
            $"Google refused the refresh token of user '{userId}' (invalid_grant: revoked or expired). " +
            (secretDeleted ? "Their secret was deleted; " : "Their secret was not deleted; ") + "they must connect Gmail again.",
            innerException)
    {
        UserId = userId;
        SecretDeleted = secretDeleted;
    }

    /// <summary>Gets the user whose refresh token was refused, when known.</summary>
    public string? UserId { get; }

    /// <summary>Gets a value indicating whether the user's secret was deleted (it is, unless the user reconnected meanwhile or the delete failed).</summary>
    public bool SecretDeleted { get; }
}

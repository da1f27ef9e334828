namespace PayPulse.OAuthSecrets;

/// <summary>
/// A conditional write of a user's tokens gave up: the secret kept changing under it (other writers updated the same
/// grant each time it tried). Nothing this write would have lost was overwritten; the call can be retried.
/// </summary>
public sealed class OAuthTokenConflictException : OAuthSecretsException
{
    /// <summary>Initializes a new instance of the <see cref="OAuthTokenConflictException"/> class.</summary>
    public OAuthTokenConflictException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenConflictException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public OAuthTokenConflictException(string? message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenConflictException"/> class.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthTokenConflictException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenConflictException"/> class for a user.</summary>
    /// <param name="userId">The user whose tokens were being written.</param>
    /// <param name="secretName">The secret that kept changing.</param>
    /// <param name="attempts">How many conditional writes were tried.</param>
    public OAuthTokenConflictException(string userId, string secretName, int attempts)
        : base($"The tokens of user '{userId}' were not written to secret '{secretName}': it changed under each of {attempts} conditional writes.")
    {
        UserId = userId;
        SecretName = secretName;
        Attempts = attempts;
    }

    /// <summary>Gets the user whose tokens were being written, when known.</summary>
    public string? UserId { get; }

    /// <summary>Gets the name of the secret, when known.</summary>
    public string? SecretName { get; }

    /// <summary>Gets how many conditional writes were tried.</summary>
    public int Attempts { get; }
}

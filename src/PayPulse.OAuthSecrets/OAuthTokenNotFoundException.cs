namespace PayPulse.OAuthSecrets;

/// <summary>The user has no stored tokens: they have to connect Gmail first.</summary>
public sealed class OAuthTokenNotFoundException : OAuthSecretsException
{
    /// <summary>Initializes a new instance of the <see cref="OAuthTokenNotFoundException"/> class.</summary>
    public OAuthTokenNotFoundException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenNotFoundException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public OAuthTokenNotFoundException(string? message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenNotFoundException"/> class.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthTokenNotFoundException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthTokenNotFoundException"/> class for a user.</summary>
    /// <param name="userId">The user who has no stored tokens.</param>
    /// <param name="secretName">The secret that does not exist.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthTokenNotFoundException(string userId, string secretName, Exception? innerException)
        : base($"User '{userId}' has no stored Google tokens (secret '{secretName}'): they must connect Gmail.", innerException)
    {
        UserId = userId;
        SecretName = secretName;
    }

    /// <summary>Gets the user who has no stored tokens, when known.</summary>
    public string? UserId { get; }

    /// <summary>Gets the name of the secret that does not exist, when known.</summary>
    public string? SecretName { get; }
}

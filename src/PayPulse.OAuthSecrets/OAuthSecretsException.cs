namespace PayPulse.OAuthSecrets;

/// <summary>
/// The base class of every exception this library throws on purpose. Messages name users, secrets and fields,
/// never token values or secret contents.
/// </summary>
public class OAuthSecretsException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="OAuthSecretsException"/> class.</summary>
    public OAuthSecretsException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthSecretsException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public OAuthSecretsException(string? message)
        : base(message)
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="OAuthSecretsException"/> class with a message and the exception
    /// that caused it.
    /// </summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthSecretsException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

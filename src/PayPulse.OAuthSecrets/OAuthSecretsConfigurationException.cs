namespace PayPulse.OAuthSecrets;

/// <summary>The library is not configured so that it can work: for example the Google OAuth client id is neither set nor stored in its secret.</summary>
public sealed class OAuthSecretsConfigurationException : OAuthSecretsException
{
    /// <summary>Initializes a new instance of the <see cref="OAuthSecretsConfigurationException"/> class.</summary>
    public OAuthSecretsConfigurationException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthSecretsConfigurationException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public OAuthSecretsConfigurationException(string? message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthSecretsConfigurationException"/> class.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthSecretsConfigurationException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

namespace PayPulse.OAuthSecrets;

/// <summary>
/// A stored secret is not a valid token bundle: not JSON, a required field missing, or a field of the wrong type.
/// The message names the secret and the field, never the secret's content.
/// </summary>
public sealed class OAuthSecretFormatException : OAuthSecretsException
{
    /// <summary>Initializes a new instance of the <see cref="OAuthSecretFormatException"/> class.</summary>
    public OAuthSecretFormatException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthSecretFormatException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public OAuthSecretFormatException(string? message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthSecretFormatException"/> class.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthSecretFormatException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OAuthSecretFormatException"/> class for a secret.</summary>
    /// <param name="secretName">The malformed secret.</param>
    /// <param name="field">The JSON key that is missing or wrong, or <see langword="null"/> when the whole value is.</param>
    /// <param name="problem">What is wrong, without the value.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public OAuthSecretFormatException(string secretName, string? field, string problem, Exception? innerException = null)
        : base(field is null
            ? $"Secret '{secretName}' is not a valid token bundle: {problem}."
            : $"Secret '{secretName}' is not a valid token bundle: field '{field}' {problem}.", innerException)
    {
        SecretName = secretName;
        Field = field;
    }

    /// <summary>Gets the name of the malformed secret, when known.</summary>
    public string? SecretName { get; }

    /// <summary>Gets the JSON key that is missing or wrong, or <see langword="null"/> when the whole value is malformed.</summary>
    public string? Field { get; }
}

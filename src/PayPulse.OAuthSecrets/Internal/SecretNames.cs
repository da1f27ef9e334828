using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// User ids and the secret names made from them. An id that passes cannot address any secret but its own.
/// </summary>
internal static class SecretNames
{
    /// <summary>The longest user id accepted.</summary>
    public const int MaxUserIdLength = 128;

    /// <summary>
    /// Validates <paramref name="userId"/> and returns <c>{prefix}{userId}</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The id is empty, too long, has a character outside ASCII letters, digits and
    /// <c>_+=.@-</c>, contains <c>..</c>, or ends in <c>-</c> plus six letters or digits (which Secrets Manager would
    /// confuse with the random suffix of a secret ARN).</exception>
    public static string ForUser(string prefix, string userId)
    {
        ValidateUserId(userId);
        return prefix + userId;
    }

    public static void ValidateUserId(string userId, string paramName = "userId")
    {
        ArgumentNullException.ThrowIfNull(userId, paramName);
        if (userId.Length is 0 or > MaxUserIdLength)
        {
            throw new ArgumentException($"A user id must be 1 to {MaxUserIdLength} characters long.", paramName);
        }

        foreach (var c in userId)
        {
            if (c == '/' || !SecretsManagerLimits.IsNameChar(c))
            {
                throw new ArgumentException(
                    "A user id may contain only ASCII letters, digits and the characters _+=.@- .", paramName);
            }
        }

        if (userId.Contains("..", StringComparison.Ordinal) || string.Equals(userId, ".", StringComparison.Ordinal))
        {
            throw new ArgumentException("A user id may not be '.' or contain '..'.", paramName);
        }

        if (userId.Length >= 7 && userId[^7] == '-' && !userId.AsSpan(userId.Length - 6).ContainsAnyExcept(AsciiAlphanumerics))
        {
            throw new ArgumentException(
                "A user id may not end in '-' followed by six letters or digits: Secrets Manager would read the name as a " +
                "partial ARN with its random suffix.", paramName);
        }
    }

    private static readonly System.Buffers.SearchValues<char> AsciiAlphanumerics =
        System.Buffers.SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
}

using System.Text;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>The service's input limits, checked before anything is sent.</summary>
internal static class SecretsManagerLimits
{
    /// <summary>The longest secret name accepted (the service's output shape allows 256).</summary>
    public const int MaxNameLength = 256;

    /// <summary>The longest ARN accepted as a secret id.</summary>
    public const int MaxArnLength = 2048;

    /// <summary>The largest SecretString, in UTF-8 bytes.</summary>
    public const int MaxSecretStringBytes = 65_536;

    /// <summary>The shortest and longest ClientRequestToken.</summary>
    public const int MinClientRequestTokenLength = 32;

    /// <summary>The longest staging label.</summary>
    public const int MaxVersionStageLength = 256;

    /// <summary>The longest ClientRequestToken.</summary>
    public const int MaxClientRequestTokenLength = 64;

    /// <summary>Whether <paramref name="c"/> may appear in a secret name: ASCII letters, digits and <c>/_+=.@-</c>.</summary>
    public static bool IsNameChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '+' or '=' or '.' or '@' or '-';

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a valid secret name.</summary>
    public static void ValidateName(string name, string paramName = "name")
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (name.Length is 0 or > MaxNameLength)
        {
            throw new ArgumentException(
                $"A secret name must be 1 to {MaxNameLength} characters long (it was {name.Length}).", paramName);
        }

        foreach (var c in name)
        {
            if (!IsNameChar(c))
            {
                throw new ArgumentException(
                    "A secret name may contain only ASCII letters, digits and the characters /_+=.@-.", paramName);
            }
        }
    }

    /// <summary>Throws unless <paramref name="secretId"/> is a valid secret name or a secret ARN.</summary>
    public static void ValidateSecretId(string secretId, string paramName = "secretId")
    {
        ArgumentNullException.ThrowIfNull(secretId, paramName);
        if (secretId.StartsWith("arn:", StringComparison.Ordinal))
        {
            if (secretId.Length > MaxArnLength || secretId.Any(c => c <= ' ' || c > '~'))
            {
                throw new ArgumentException(
                    $"A secret ARN must be at most {MaxArnLength} printable ASCII characters.", paramName);
            }

            return;
        }

        ValidateName(secretId, paramName);
    }

    /// <summary>Throws unless <paramref name="secretString"/> is 1 to 65,536 bytes of UTF-8.</summary>
    public static void ValidateSecretString(string secretString, string paramName = "secretString")
    {
        ArgumentNullException.ThrowIfNull(secretString, paramName);
        var bytes = Encoding.UTF8.GetByteCount(secretString);
        if (bytes is 0 or > MaxSecretStringBytes)
        {
            throw new ArgumentException(
                $"A secret value must be 1 to {MaxSecretStringBytes} bytes in UTF-8 (it was {bytes} bytes).", paramName);
        }
    }

    /// <summary>Throws unless <paramref name="token"/> is 32 to 64 characters long.</summary>
    public static void ValidateClientRequestToken(string token, string paramName = "clientRequestToken")
    {
        ArgumentNullException.ThrowIfNull(token, paramName);
        if (token.Length is < MinClientRequestTokenLength or > MaxClientRequestTokenLength)
        {
            throw new ArgumentException(
                $"A ClientRequestToken must be {MinClientRequestTokenLength} to {MaxClientRequestTokenLength} characters long.",
                paramName);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="stage"/> is a staging label of 1 to 256 characters.</summary>
    public static void ValidateVersionStage(string stage, string paramName = "versionStage")
    {
        ArgumentNullException.ThrowIfNull(stage, paramName);
        if (stage.Length is 0 or > MaxVersionStageLength)
        {
            throw new ArgumentException($"A staging label must be 1 to {MaxVersionStageLength} characters long.", paramName);
        }
    }

    /// <summary>A new ClientRequestToken: a GUID in its 36-character form.</summary>
    public static string NewClientRequestToken() => Guid.NewGuid().ToString("D");
}

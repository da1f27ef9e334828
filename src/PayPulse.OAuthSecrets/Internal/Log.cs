using Microsoft.Extensions.Logging;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// Every log message of the library. Event ids are fixed: 1xxx store and Secrets Manager, 2xxx refresh,
/// 3xxx configuration. Messages name users and secrets, never token values.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(
        EventId = 1100,
        EventName = "RetryingSecretsManagerCall",
        Level = LogLevel.Warning,
        Message = "Secrets Manager call failed transiently ({Kind}, {ErrorCode}); attempt {NextAttempt} of {MaxAttempts} in {Delay}")]
    public static partial void RetryingSecretsManagerCall(
        ILogger logger, int nextAttempt, int maxAttempts, TimeSpan delay, SecretsManagerErrorKind kind, string? errorCode, Exception exception);
}

using Microsoft.Extensions.Logging;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>The log messages of the retry quota and the adaptive rate limiter (Secrets Manager: 1xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(
        EventId = 1110,
        EventName = "RetryQuotaExhausted",
        Level = LogLevel.Warning,
        Message = "Secrets Manager call failed transiently ({Kind}, {ErrorCode}) and is not retried: the client's retry quota is exhausted ({Available} of {Capacity} tokens left)")]
    public static partial void RetryQuotaExhausted(
        ILogger logger, SecretsManagerErrorKind kind, string? errorCode, int available, int capacity, Exception exception);
}

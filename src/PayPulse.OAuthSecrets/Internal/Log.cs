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

    [LoggerMessage(EventId = 1001, EventName = "TokensRead", Level = LogLevel.Debug,
        Message = "Read the tokens of user {UserId} from secret {SecretName}: found {Found}")]
    public static partial void TokensRead(ILogger logger, string userId, string secretName, bool found);

    [LoggerMessage(EventId = 1002, EventName = "SecretCreated", Level = LogLevel.Information,
        Message = "Created secret {SecretName} with the tokens of user {UserId}")]
    public static partial void SecretCreated(ILogger logger, string userId, string secretName);

    [LoggerMessage(EventId = 1003, EventName = "TokensStored", Level = LogLevel.Debug,
        Message = "Stored new tokens of user {UserId} in secret {SecretName}")]
    public static partial void TokensStored(ILogger logger, string userId, string secretName);

    [LoggerMessage(EventId = 1004, EventName = "TokensUpdated", Level = LogLevel.Debug,
        Message = "Updated the tokens of user {UserId} in secret {SecretName}")]
    public static partial void TokensUpdated(ILogger logger, string userId, string secretName);

    [LoggerMessage(EventId = 1005, EventName = "SecretDeleted", Level = LogLevel.Information,
        Message = "Deleted secret {SecretName} of user {UserId} without recovery")]
    public static partial void SecretDeleted(ILogger logger, string userId, string secretName);

    [LoggerMessage(EventId = 1006, EventName = "GoogleAccountSwitched", Level = LogLevel.Information,
        Message = "User {UserId} connected a different Google account than the one stored in {SecretName}")]
    public static partial void GoogleAccountSwitched(ILogger logger, string userId, string secretName);

    [LoggerMessage(EventId = 1007, EventName = "WaitingForDeletionToFinish", Level = LogLevel.Debug,
        Message = "Secret {SecretName} is still scheduled for deletion; creating it again in {Delay}")]
    public static partial void WaitingForDeletionToFinish(ILogger logger, string secretName, TimeSpan delay);
}

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

    [LoggerMessage(EventId = 2001, EventName = "RefreshingToken", Level = LogLevel.Debug,
        Message = "Refreshing the Google access token of user {UserId}")]
    public static partial void RefreshingToken(ILogger logger, string userId);

    [LoggerMessage(EventId = 2002, EventName = "TokenRefreshed", Level = LogLevel.Debug,
        Message = "Refreshed the Google access token of user {UserId}; valid until {ExpiresAt}, refresh token rotated: {Rotated}")]
    public static partial void TokenRefreshed(ILogger logger, string userId, DateTimeOffset expiresAt, bool rotated);

    [LoggerMessage(EventId = 2003, EventName = "SecretDeletedAfterRevocation", Level = LogLevel.Warning,
        Message = "Google refused the refresh token of user {UserId} (invalid_grant); deleted their secret: the user must reconnect Gmail")]
    public static partial void SecretDeletedAfterRevocation(ILogger logger, string userId);

    [LoggerMessage(EventId = 2004, EventName = "TokenRefreshFailed", Level = LogLevel.Error,
        Message = "Refreshing the Google access token of user {UserId} failed: {ErrorCode} (HTTP {StatusCode}); nothing was deleted")]
    public static partial void TokenRefreshFailed(ILogger logger, string userId, string? errorCode, int? statusCode, Exception exception);

    [LoggerMessage(EventId = 2005, EventName = "RetryingTokenRefresh", Level = LogLevel.Warning,
        Message = "Refreshing the Google access token of user {UserId} failed transiently ({ErrorCode}, HTTP {StatusCode}); attempt {NextAttempt} of {MaxAttempts} in {Delay}")]
    public static partial void RetryingTokenRefresh(ILogger logger, string userId, string? errorCode, int? statusCode, int nextAttempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(EventId = 2006, EventName = "WriteBackFailed", Level = LogLevel.Error,
        Message = "Refreshed the Google access token of user {UserId} but could not write it to their secret; the credential works, the stored tokens are older")]
    public static partial void WriteBackFailed(ILogger logger, string userId, Exception exception);

    [LoggerMessage(EventId = 2007, EventName = "RefreshedElsewhere", Level = LogLevel.Debug,
        Message = "The stored tokens of user {UserId} were already refreshed elsewhere; using them without calling Google")]
    public static partial void RefreshedElsewhere(ILogger logger, string userId);

    [LoggerMessage(EventId = 2008, EventName = "DeleteAfterRevocationFailed", Level = LogLevel.Error,
        Message = "Google refused the refresh token of user {UserId} (invalid_grant), but deleting their secret failed")]
    public static partial void DeleteAfterRevocationFailed(ILogger logger, string userId, Exception exception);

    [LoggerMessage(EventId = 3001, EventName = "ClientIdLoaded", Level = LogLevel.Debug,
        Message = "Read the Google OAuth client id from secret {SecretName}")]
    public static partial void ClientIdLoaded(ILogger logger, string secretName);

    [LoggerMessage(EventId = 3002, EventName = "InProcessSecretStoreInUse", Level = LogLevel.Warning,
        Message = "Secrets are kept in this process only (UseInProcessSecretStore): nothing is stored durably and nothing reaches AWS Secrets Manager; for development and tests only")]
    public static partial void InProcessSecretStoreInUse(ILogger logger);

    [LoggerMessage(EventId = 2009, EventName = "RevokedGrantAlreadyReplaced", Level = LogLevel.Information,
        Message = "Google refused an old refresh token of user {UserId}, but they have reconnected meanwhile; their secret is kept")]
    public static partial void RevokedGrantAlreadyReplaced(ILogger logger, string userId);

    [LoggerMessage(EventId = 1008, EventName = "WriteConflict", Level = LogLevel.Debug,
        Message = "Secret '{SecretName}' of user '{UserId}' changed during conditional write {Attempt}; merging with what it holds now")]
    public static partial void WriteConflict(ILogger logger, string userId, string secretName, int attempt);

    [LoggerMessage(EventId = 1009, EventName = "WriteBackSuperseded", Level = LogLevel.Information,
        Message = "Secret '{SecretName}' of user '{UserId}' now holds another grant (a reconnect); the refreshed tokens were not written over it")]
    public static partial void WriteBackSuperseded(ILogger logger, string userId, string secretName);

    [LoggerMessage(EventId = 2010, EventName = "WriteBackContinuing", Level = LogLevel.Warning,
        Message = "Writing back the refreshed tokens of user '{UserId}' outlasted the refresh timeout; handing out the new tokens while the write-back completes")]
    public static partial void WriteBackContinuing(ILogger logger, string userId);
}

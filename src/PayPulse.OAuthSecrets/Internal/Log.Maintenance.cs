using Microsoft.Extensions.Logging;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>The log messages of the maintenance sweep (4xxx): one line per action, never a token.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4001, EventName = "SweepStarting", Level = LogLevel.Information,
        Message = "Token sweep of the secrets under '{SecretNamePrefix}' starting (dry run: {DryRun}; keep alive: {KeepAlive}, after {KeepAliveAfter}; delete revoked: {DeleteRevoked}; delete abandoned: {DeleteAbandoned}, after {AbandonedAfter}; at most {MaxWritesPerSecond} writes a second)")]
    public static partial void SweepStarting(
        ILogger logger, string secretNamePrefix, bool dryRun, bool keepAlive, TimeSpan keepAliveAfter, bool deleteRevoked, bool deleteAbandoned, TimeSpan abandonedAfter, int maxWritesPerSecond);

    [LoggerMessage(EventId = 4002, EventName = "SweepKeptAlive", Level = LogLevel.Information,
        Message = "Kept the grant of user {UserId} alive: refreshed and stored in secret '{SecretName}', last written {LastWrittenAt:O}")]
    public static partial void SweepKeptAlive(ILogger logger, string userId, string secretName, DateTimeOffset lastWrittenAt);

    [LoggerMessage(EventId = 4003, EventName = "SweepDeletedRevoked", Level = LogLevel.Information,
        Message = "Deleted secret '{SecretName}' of user {UserId}: Google answered the keep-alive refresh with invalid_grant (revoked or expired)")]
    public static partial void SweepDeletedRevoked(ILogger logger, string userId, string secretName);

    [LoggerMessage(EventId = 4004, EventName = "SweepDeletedAbandoned", Level = LogLevel.Information,
        Message = "Deleted abandoned secret '{SecretName}' of user {UserId}: no refresh token, and its access token expired {ExpiredAt:O}")]
    public static partial void SweepDeletedAbandoned(ILogger logger, string userId, string secretName, DateTimeOffset expiredAt);

    [LoggerMessage(EventId = 4005, EventName = "SweepWouldAct", Level = LogLevel.Information,
        Message = "Dry run: would {Action} secret '{SecretName}' of user {UserId}")]
    public static partial void SweepWouldAct(ILogger logger, string action, string userId, string secretName);

    [LoggerMessage(EventId = 4006, EventName = "SweepMalformed", Level = LogLevel.Warning,
        Message = "Secret '{SecretName}' is not a token bundle this library can use and is left as it is")]
    public static partial void SweepMalformed(ILogger logger, string secretName, Exception exception);

    [LoggerMessage(EventId = 4007, EventName = "SweepFailed", Level = LogLevel.Warning,
        Message = "Token sweep could not {Action} secret '{SecretName}'; the next sweep tries again")]
    public static partial void SweepFailed(ILogger logger, string action, string secretName, Exception? exception);

    [LoggerMessage(EventId = 4008, EventName = "SweepCompleted", Level = LogLevel.Information,
        Message = "Token sweep done in {Elapsed}: {Scanned} scanned ({Valid} valid, {Expiring} expiring, {Expired} expired, {WithoutRefreshToken} without refresh token, {Malformed} malformed), {Revoked} revoked, {KeptAlive} kept alive, {Deleted} deleted, {Failed} failed (dry run: {DryRun})")]
    public static partial void SweepCompleted(
        ILogger logger, TimeSpan elapsed, int scanned, int valid, int expiring, int expired, int withoutRefreshToken, int malformed, int revoked, int keptAlive, int deleted, int failed, bool dryRun);

    [LoggerMessage(EventId = 4009, EventName = "SweepCancelled", Level = LogLevel.Warning,
        Message = "Token sweep cancelled after {Scanned} secrets and {ActionsTaken} actions; every action started has finished")]
    public static partial void SweepCancelled(ILogger logger, int scanned, int actionsTaken);

    [LoggerMessage(EventId = 4010, EventName = "SweepSecretChanged", Level = LogLevel.Information,
        Message = "Secret '{SecretName}' of user {UserId} changed after the sweep read it and is not deleted")]
    public static partial void SweepSecretChanged(ILogger logger, string userId, string secretName);

    [LoggerMessage(EventId = 2011, EventName = "RevokedGrantKept", Level = LogLevel.Warning,
        Message = "Google refused the refresh token of user {UserId} (invalid_grant); their secret is kept, as the sweep was asked not to delete revoked grants")]
    public static partial void RevokedGrantKept(ILogger logger, string userId);
}

using Microsoft.Extensions.Logging;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>Log messages of the Secrets Manager client's signing rules: clock skew and expired credentials.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1120, EventName = "ClockSkewCorrected", Level = LogLevel.Warning,
        Message = "Secrets Manager {Operation} failed with {ErrorCode} because the local clock is off: requests to {Endpoint} are now signed with a clock correction of {Correction} (re-signing now: {Resending})")]
    public static partial void ClockSkewCorrected(
        ILogger logger, string operation, Uri endpoint, TimeSpan correction, bool resending, string? errorCode);

    [LoggerMessage(EventId = 1121, EventName = "CredentialsExpired", Level = LogLevel.Information,
        Message = "Secrets Manager {Operation} failed with {ErrorCode}: the AWS credentials ({CredentialsType}) expired; resolving fresh credentials and sending once more")]
    public static partial void CredentialsExpired(ILogger logger, string operation, string credentialsType, string? errorCode);
}

using System.Globalization;
using System.Net.Http.Headers;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// Decides whether a failed response was caused by a skewed local clock, with the rules of AWSSDK.Core's retry
/// policy: the service's time comes from the response's <c>Date</c> header (or, failing that, from the
/// <c>(20260102T030405Z - 5 min.)</c> part of a signature message); a definite skew code, or a signature error that
/// says the signature expired or is not yet current, is a skew whenever that time is known; any other signature error
/// is a skew only when the time the request was signed at differs from the service's by more than five minutes.
/// </summary>
internal static class ClockSkew
{
    /// <summary>How far the signing time may be from the service's before a signature error counts as skew.</summary>
    public static readonly TimeSpan Threshold = TimeSpan.FromMinutes(5);

    private static readonly HashSet<string> DefiniteCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
    };

    private static readonly HashSet<string> PossibleCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure",
    };

    /// <summary>The largest correction believed: a server time further off than this is not a clock.</summary>
    internal static readonly TimeSpan MaxCorrection = TimeSpan.FromDays(365);

    /// <summary>
    /// Whether the failure is a clock skew; when it is, <paramref name="serverTime"/> is the service's time.
    /// </summary>
    /// <param name="code">The sanitized error code.</param>
    /// <param name="message">The service's message.</param>
    /// <param name="headers">The response headers (<c>Date</c>, <c>Age</c>).</param>
    /// <param name="signedAt">The time the request was signed at (local time plus the correction then in force).</param>
    /// <param name="serverTime">The service's time, when this is a skew.</param>
    public static bool IsSkew(string? code, string? message, HttpResponseHeaders headers, DateTimeOffset signedAt, out DateTimeOffset serverTime)
    {
        ArgumentNullException.ThrowIfNull(headers);
        serverTime = default;
        if (code is null || !(DefiniteCodes.Contains(code) || PossibleCodes.Contains(code)))
        {
            return false;
        }

        if (!TryGetServerTime(headers, message, out serverTime))
        {
            return false;
        }

        if ((serverTime - signedAt).Duration() > MaxCorrection)
        {
            // Not a clock: a broken Date (a proxy's, an emulator's). Correcting by it would break every later call.
            serverTime = default;
            return false;
        }

        if (DefiniteCodes.Contains(code) || SaysSignatureTimeIsOff(message))
        {
            return true;
        }

        return (signedAt - serverTime).Duration() > Threshold;
    }

    /// <summary>The service's time from the <c>Date</c> header, else from the message.</summary>
    internal static bool TryGetServerTime(HttpResponseHeaders headers, string? message, out DateTimeOffset serverTime)
    {
        // A response with an Age header came from a cache: its Date is not the service's clock now.
        if (headers.Date is { } date && headers.Age is null)
        {
            serverTime = date.ToUniversalTime();
            return true;
        }

        return TryParseMessageTime(message, out serverTime);
    }

    /// <summary>
    /// Reads the service's time from messages such as <c>Signature expired: 20260102T030405Z is now earlier than
    /// 20260102T032405Z (20260102T033405Z - 15 min.)</c>: the timestamp after the opening parenthesis.
    /// </summary>
    internal static bool TryParseMessageTime(string? message, out DateTimeOffset serverTime)
    {
        serverTime = default;
        if (string.IsNullOrEmpty(message))
        {
            return false;
        }

        var open = message.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return false;
        }

        var rest = message.AsSpan(open + 1);
        var end = rest.IndexOfAny(' ', ')');
        var stamp = end < 0 ? rest : rest[..end];
        return DateTimeOffset.TryParseExact(
            stamp, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out serverTime);
    }

    private static bool SaysSignatureTimeIsOff(string? message) =>
        message is not null &&
        (message.Contains("Signature expired", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("not yet current", StringComparison.OrdinalIgnoreCase));
}

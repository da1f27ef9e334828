using System.Globalization;

namespace PayPulse.OAuthSecrets.Internal.Serialization;

/// <summary>
/// Timestamps as the Python Lambdas write them: <c>datetime.utcnow().isoformat()</c>, i.e. naive UTC with six
/// fraction digits, and no fraction at all when the microseconds are zero. No offset: the Python side compares with a
/// naive <c>utcnow()</c> and would raise on one.
/// </summary>
internal static class PythonTimestamp
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    public static string Format(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        utc = new DateTime(utc.Ticks - (utc.Ticks % TicksPerMicrosecond), DateTimeKind.Utc);
        return utc.Ticks % TimeSpan.TicksPerSecond == 0
            ? utc.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);
    }

    /// <summary>Reads the Python form, any fraction length, a <c>Z</c> or an offset; naive values are UTC.</summary>
    public static bool TryParse(string text, out DateTimeOffset value)
    {
        // ISO-8601 with a 'T', as isoformat() writes it, or with a space, as str(datetime) does.
        value = default;
        var trimmed = text.Trim();
        if (trimmed.Length < 19 || (trimmed[10] != 'T' && trimmed[10] != ' '))
        {
            return false;
        }

        return DateTimeOffset.TryParse(
            trimmed,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out value);
    }

    /// <summary>Truncates to whole microseconds, the precision the stored form keeps.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TicksPerMicrosecond), TimeSpan.Zero);
}

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

    private static readonly string[] Formats = BuildFormats();

    /// <summary>
    /// Reads ISO-8601 as Python's <c>fromisoformat</c> does: <c>T</c> or a space between date and time, seconds, an
    /// optional fraction of 1 to 7 digits, and an optional <c>Z</c> or offset; naive values are UTC.
    /// </summary>
    public static bool TryParse(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(
            text.Trim(),
            Formats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out value);

    /// <summary>Truncates to whole microseconds, the precision the stored form keeps.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TicksPerMicrosecond), TimeSpan.Zero);

    private static string[] BuildFormats()
    {
        var formats = new List<string>();
        foreach (var separator in new[] { "'T'", "' '" })
        {
            foreach (var fraction in new[] { string.Empty, ".f", ".ff", ".fff", ".ffff", ".fffff", ".ffffff", ".fffffff" })
            {
                foreach (var zone in new[] { string.Empty, "'Z'", "zzz" })
                {
                    formats.Add("yyyy'-'MM'-'dd" + separator + "HH':'mm':'ss" + fraction.Replace(".", "'.'", StringComparison.Ordinal) + zone);
                }
            }
        }

        return [.. formats];
    }
}

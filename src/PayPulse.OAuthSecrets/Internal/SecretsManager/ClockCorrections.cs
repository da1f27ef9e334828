using System.Collections.Concurrent;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// The clock correction per Secrets Manager endpoint: how far the service's clock (its <c>Date</c> header) is ahead
/// of this machine's. Requests to an endpoint are signed at local time plus its correction. Thread-safe.
/// </summary>
/// <remarks>
/// One store is shared by the whole process (<see cref="Shared"/>), as AWSSDK.Core's <c>CorrectClockSkew</c> is:
/// the local clock is one per process and the service's clock one per endpoint, so every client of an endpoint
/// (several service providers, a client rebuilt after a configuration change) benefits from one correction instead
/// of each paying a failed call to learn it. Corrections are keyed by the endpoint's absolute URI, so an explicit
/// endpoint (moto, a VPC endpoint) never borrows the correction of another. Tests pass their own store.
/// </remarks>
internal sealed class ClockCorrections
{
    private readonly ConcurrentDictionary<string, TimeSpan> _offsets = new(StringComparer.Ordinal);

    /// <summary>Gets the store the library's clients share.</summary>
    public static ClockCorrections Shared { get; } = new();

    /// <summary>Gets the correction for <paramref name="endpoint"/>, zero when none was ever needed.</summary>
    public TimeSpan Get(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return _offsets.TryGetValue(endpoint.AbsoluteUri, out var offset) ? offset : TimeSpan.Zero;
    }

    /// <summary>Sets the correction for <paramref name="endpoint"/>: the service's time minus local time.</summary>
    public void Set(Uri endpoint, TimeSpan offset)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _offsets[endpoint.AbsoluteUri] = offset;
    }

    /// <summary>Gets the local time corrected for <paramref name="endpoint"/>: the time to sign its requests at.</summary>
    public DateTimeOffset CorrectedNow(Uri endpoint, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var now = timeProvider.GetUtcNow();
        var offset = Get(endpoint);

        // Saturating: a correction can never make signing throw.
        return offset > TimeSpan.Zero
            ? (DateTimeOffset.MaxValue - now < offset ? DateTimeOffset.MaxValue : now + offset)
            : (now - DateTimeOffset.MinValue < -offset ? DateTimeOffset.MinValue : now + offset);
    }
}

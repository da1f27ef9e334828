using Google.Apis.Util;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>Google.Apis' clock over a <see cref="TimeProvider"/>, so that refresh decisions follow the library's clock.</summary>
internal sealed class TimeProviderClock(TimeProvider timeProvider) : IClock
{
    public DateTime Now => timeProvider.GetLocalNow().DateTime;

    public DateTime UtcNow => timeProvider.GetUtcNow().UtcDateTime;
}

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>One refresh of a user's grant: the refresh token it presents to Google and the shared work.</summary>
internal sealed class RefreshFlight(string refreshToken, Task<OAuthTokenBundle> task)
{
    /// <summary>Gets the refresh token this refresh presents.</summary>
    public string RefreshToken { get; } = refreshToken;

    /// <summary>Gets the shared work: the bundle to hand out.</summary>
    public Task<OAuthTokenBundle> Task { get; } = task;
}

namespace PayPulse.OAuthSecrets;

/// <summary>What <see cref="IOAuthTokenStore.StoreAsync"/> did.</summary>
public sealed record OAuthTokenStoreResult
{
    /// <summary>Gets the bundle as it is now stored.</summary>
    public required OAuthTokenBundle Bundle { get; init; }

    /// <summary>
    /// Gets a value indicating whether the user's secret was created (first connect, or after a revocation) rather
    /// than updated (reconnect).
    /// </summary>
    public bool Created { get; init; }

    /// <summary>
    /// Gets a value indicating whether the user connected a different Google account than the one stored before.
    /// </summary>
    public bool AccountSwitched { get; init; }

    /// <summary>Gets the email of the previously stored Google account when <see cref="AccountSwitched"/> is set.</summary>
    public string? PreviousGoogleEmail { get; init; }
}

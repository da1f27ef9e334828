namespace PayPulse.OAuthSecrets.Maintenance;

/// <summary>What one <see cref="IOAuthTokenMaintenance.SweepAsync"/> does. Every action is off unless switched on.</summary>
public sealed class OAuthTokenSweepOptions
{
    /// <summary>The most <see cref="MaxWritesPerSecond"/> can be: Secrets Manager's write quota (PutSecretValue,
    /// UpdateSecret and UpdateSecretVersionStage together) is 50 per second per account and Region, not adjustable.</summary>
    public const int MaxWritesPerSecondLimit = 50;

    /// <summary>The most <see cref="MaxConcurrency"/> can be.</summary>
    public const int MaxConcurrencyLimit = 256;

    /// <summary>
    /// Gets or sets a value indicating whether the sweep only classifies and reports: no refresh, no write, no delete.
    /// The report's <see cref="OAuthTokenSweepReport.KeptAlive"/> and <see cref="OAuthTokenSweepReport.Deleted"/> then
    /// count what would be done; <see cref="OAuthTokenSweepReport.Revoked"/> stays 0 (only a refresh can tell).
    /// </summary>
    public bool DryRun { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether grants whose bundle was last written more than
    /// <see cref="KeepAliveAfter"/> ago are refreshed, so that Google does not expire an unused refresh token. A refresh
    /// answered <c>invalid_grant</c> counts as <see cref="OAuthTokenSweepReport.Revoked"/>.
    /// </summary>
    public bool KeepAlive { get; set; }

    /// <summary>
    /// Gets or sets how long after a bundle was last written (its <c>created_at</c>, which every write, the Python
    /// Lambdas' included, resets) <see cref="KeepAlive"/> refreshes it. Default 30 days: well inside the six months
    /// after which Google expires an unused refresh token. An app whose consent screen is in Testing status has its
    /// refresh tokens expire after 7 days: use 3 days, and sweep daily. Positive, at most 180 days.
    /// </summary>
    public TimeSpan KeepAliveAfter { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Gets or sets a value indicating whether a keep-alive refresh answered <c>invalid_grant</c> deletes the secret,
    /// by the same rule as <see cref="Gmail.IGmailCredentialFactory.CreateAsync"/>: force-deleted, and only if it still
    /// holds the refused refresh token. Off, the secret is kept and reported. Revocation is found only by a refresh, so
    /// this works together with <see cref="KeepAlive"/>.
    /// </summary>
    public bool DeleteRevoked { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether secrets with no refresh token whose access token expired more than
    /// <see cref="AbandonedAfter"/> ago are force-deleted (only if unchanged since they were read). Such a grant can
    /// never be used again: the user must connect Gmail again, which creates the secret anew.
    /// </summary>
    public bool DeleteAbandoned { get; set; }

    /// <summary>Gets or sets how long after its access token expired a secret with no refresh token counts as abandoned. Default 30 days; zero or more.</summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Gets or sets the most Secrets Manager writes (puts, stage moves, deletes, retries included) the sweep makes in
    /// any one-second window. Default 5, a tenth of the account-wide write quota, so that a sweep never starves the
    /// live Lambdas. 1 to <see cref="MaxWritesPerSecondLimit"/>. A keep-alive refresh takes two writes, a delete one.
    /// </summary>
    public int MaxWritesPerSecond { get; set; } = 5;

    /// <summary>
    /// Gets or sets how many secrets are read and classified at a time. Default 8; 1 to <see cref="MaxConcurrencyLimit"/>.
    /// Actions (refreshes, deletes) run at most <see cref="MaxWritesPerSecond"/> at a time, so that none waits long
    /// for a write permit once Google has answered.
    /// </summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Gets or sets the price of one secret for a month, for <see cref="OAuthTokenSweepReport.MonthlySavings"/>. Default $0.40; zero or more.</summary>
    public decimal MonthlyPricePerSecret { get; set; } = 0.40m;

    /// <summary>Throws when an option is out of its range.</summary>
    internal static void Validate(OAuthTokenSweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.KeepAliveAfter <= TimeSpan.Zero || options.KeepAliveAfter > TimeSpan.FromDays(180))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.KeepAliveAfter, "KeepAliveAfter must be positive and at most 180 days (Google expires unused refresh tokens after six months).");
        }

        if (options.AbandonedAfter < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.AbandonedAfter, "AbandonedAfter must be zero or more.");
        }

        if (options.MaxWritesPerSecond is < 1 or > MaxWritesPerSecondLimit)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.MaxWritesPerSecond, $"MaxWritesPerSecond must be 1 to {MaxWritesPerSecondLimit} (Secrets Manager's write quota per account and Region).");
        }

        if (options.MaxConcurrency is < 1 or > MaxConcurrencyLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConcurrency, $"MaxConcurrency must be 1 to {MaxConcurrencyLimit}.");
        }

        if (options.MonthlyPricePerSecret < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MonthlyPricePerSecret, "MonthlyPricePerSecret must be zero or more.");
        }
    }
}

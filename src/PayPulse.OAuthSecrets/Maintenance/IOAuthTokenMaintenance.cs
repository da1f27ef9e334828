namespace PayPulse.OAuthSecrets.Maintenance;

/// <summary>
/// Maintenance of the stored token bundles, for a scheduled job: a sweep that classifies every user secret, keeps idle
/// grants alive and deletes the ones that can no longer be used. Registered by <c>AddPayPulseOAuthSecrets</c>.
/// </summary>
public interface IOAuthTokenMaintenance
{
    /// <summary>
    /// Sweeps every user secret under <see cref="OAuthSecretsOptions.SecretNamePrefix"/>: lists them with
    /// <c>ListSecrets</c> (name filter, paginated), reads each (at most <see cref="OAuthTokenSweepOptions.MaxConcurrency"/>
    /// at a time), classifies it by what is stored and takes the actions <paramref name="options"/> switch on, writing
    /// at most <see cref="OAuthTokenSweepOptions.MaxWritesPerSecond"/> times in any one-second window.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Keep-alive refreshes go through the same single-flight refresh and conditional write-back as
    /// <see cref="Gmail.IGmailCredentialFactory.CreateAsync"/>, so a Lambda using the same user at the same time is never
    /// given a consumed refresh token, and a reconnect in between is never overwritten. Deletes are made only if the
    /// secret still holds what was judged (the refused refresh token, or the version read).
    /// </para>
    /// <para>
    /// Cancellation stops listing, reading and starting actions; an action already started (a refresh and its
    /// write-back, a delete) runs to its end first, so no secret is left half-written. The method then throws
    /// <see cref="OperationCanceledException"/>. A sweep is idempotent: a second run finds nothing more to do for the
    /// secrets the first one handled.
    /// </para>
    /// </remarks>
    /// <param name="options">What to do. A dry run only classifies and reports what it would do.</param>
    /// <param name="progress">Told the secrets seen and the actions taken so far, after each secret.</param>
    /// <param name="cancellationToken">Stops the sweep (see remarks).</param>
    /// <returns>The counts per class and action, the time taken and the monthly cost of the secrets deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range.</exception>
    /// <exception cref="SecretsManagerException">Listing the secrets failed (a failure to read or act on one secret
    /// is logged and counted in <see cref="OAuthTokenSweepReport.Failed"/> instead).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<OAuthTokenSweepReport> SweepAsync(
        OAuthTokenSweepOptions options,
        IProgress<OAuthTokenSweepProgress>? progress = null,
        CancellationToken cancellationToken = default);
}

namespace PayPulse.OAuthSecrets.Maintenance;

/// <summary>
/// What a sweep found and did. Each secret read falls in exactly one of <see cref="Malformed"/>,
/// <see cref="WithoutRefreshToken"/>, <see cref="Expired"/>, <see cref="Expiring"/> and <see cref="Valid"/> (the first
/// that applies, in that order), by what was stored when it was read; those five add up to <see cref="Scanned"/>.
/// </summary>
public sealed record OAuthTokenSweepReport
{
    /// <summary>Gets a value indicating whether this was a dry run: the action counts are what would have been done.</summary>
    public bool DryRun { get; init; }

    /// <summary>Gets the number of secrets read and classified.</summary>
    public int Scanned { get; init; }

    /// <summary>Gets the number of secrets with a refresh token and an access token valid for longer than <see cref="OAuthSecretsOptions.RefreshBeforeExpiry"/>.</summary>
    public int Valid { get; init; }

    /// <summary>Gets the number of secrets with a refresh token and an access token that expires within <see cref="OAuthSecretsOptions.RefreshBeforeExpiry"/>.</summary>
    public int Expiring { get; init; }

    /// <summary>Gets the number of secrets with a refresh token and an expired access token (the next use refreshes it).</summary>
    public int Expired { get; init; }

    /// <summary>Gets the number of secrets with no refresh token: usable only until their access token expires.</summary>
    public int WithoutRefreshToken { get; init; }

    /// <summary>
    /// Gets the number of secrets that are not a readable token bundle (not JSON, missing fields, binary), or whose
    /// name is not the prefix followed by a valid user id. They are never changed, only reported (logged at Warning).
    /// </summary>
    public int Malformed { get; init; }

    /// <summary>Gets the number of keep-alive refreshes Google answered <c>invalid_grant</c>: the user revoked access, or the grant expired.</summary>
    public int Revoked { get; init; }

    /// <summary>Gets the number of grants refreshed by keep-alive, and stored (on a dry run: that would be refreshed).</summary>
    public int KeptAlive { get; init; }

    /// <summary>Gets the number of revoked grants whose secret was deleted.</summary>
    public int DeletedRevoked { get; init; }

    /// <summary>Gets the number of abandoned secrets deleted (on a dry run: that would be deleted).</summary>
    public int DeletedAbandoned { get; init; }

    /// <summary>Gets the number of secrets deleted: <see cref="DeletedRevoked"/> plus <see cref="DeletedAbandoned"/>.</summary>
    public int Deleted => DeletedRevoked + DeletedAbandoned;

    /// <summary>
    /// Gets the number of secrets that could not be read, or whose action failed (a transient Google or Secrets Manager
    /// failure, a write-back that did not land). Each is logged at Warning; the next sweep tries again.
    /// </summary>
    public int Failed { get; init; }

    /// <summary>Gets the time the sweep took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the monthly cost of the secrets deleted: <see cref="Deleted"/> × <see cref="OAuthTokenSweepOptions.MonthlyPricePerSecret"/>.</summary>
    public decimal MonthlySavings { get; init; }
}

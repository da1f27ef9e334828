using PayPulse.OAuthSecrets.Maintenance;

namespace PayPulse.OAuthSecrets.Internal.Maintenance;

/// <summary>The counts of one sweep, kept by its concurrent workers; progress is reported in order, after each change.</summary>
internal sealed class SweepTally(IProgress<OAuthTokenSweepProgress>? progress)
{
    private readonly object _gate = new();
    private readonly int[] _classes = new int[5];
    private int _revoked;
    private int _keptAlive;
    private int _deletedRevoked;
    private int _deletedAbandoned;
    private int _failed;

    /// <summary>Gets the secrets classified and the actions taken so far.</summary>
    public OAuthTokenSweepProgress Progress
    {
        get
        {
            lock (_gate)
            {
                return Current();
            }
        }
    }

    public void Classified(OAuthTokenMaintenance.SecretClass secretClass) => Change(() => _classes[(int)secretClass]++);

    public void Revoked(bool deleted) => Change(() =>
    {
        _revoked++;
        if (deleted)
        {
            _deletedRevoked++;
        }
    });

    public void KeptAlive() => Change(() => _keptAlive++);

    public void DeletedAbandoned() => Change(() => _deletedAbandoned++);

    public void Failed() => Change(() => _failed++);

    public OAuthTokenSweepReport ToReport(OAuthTokenSweepOptions options, TimeSpan elapsed)
    {
        lock (_gate)
        {
            return new OAuthTokenSweepReport
            {
                DryRun = options.DryRun,
                Scanned = _classes.Sum(),
                Valid = _classes[(int)OAuthTokenMaintenance.SecretClass.Valid],
                Expiring = _classes[(int)OAuthTokenMaintenance.SecretClass.Expiring],
                Expired = _classes[(int)OAuthTokenMaintenance.SecretClass.Expired],
                WithoutRefreshToken = _classes[(int)OAuthTokenMaintenance.SecretClass.WithoutRefreshToken],
                Malformed = _classes[(int)OAuthTokenMaintenance.SecretClass.Malformed],
                Revoked = _revoked,
                KeptAlive = _keptAlive,
                DeletedRevoked = _deletedRevoked,
                DeletedAbandoned = _deletedAbandoned,
                Failed = _failed,
                Elapsed = elapsed,
                MonthlySavings = (_deletedRevoked + _deletedAbandoned) * options.MonthlyPricePerSecret,
            };
        }
    }

    private OAuthTokenSweepProgress Current() =>
        new(_classes.Sum(), _keptAlive + _deletedRevoked + _deletedAbandoned);

    private void Change(Action change)
    {
        lock (_gate)
        {
            change();
            progress?.Report(Current());
        }
    }
}

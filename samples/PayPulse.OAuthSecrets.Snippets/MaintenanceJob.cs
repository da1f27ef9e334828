using Microsoft.Extensions.DependencyInjection;
using PayPulse.OAuthSecrets.Maintenance;

namespace PayPulse.OAuthSecrets.Snippets;

/// <summary>A scheduled job's body: one sweep with every action on, a progress line and the report.</summary>
public static class MaintenanceJob
{
    public static async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        #region snippet:maintenance-sweep
        var maintenance = services.GetRequiredService<IOAuthTokenMaintenance>();
        var report = await maintenance.SweepAsync(
            new OAuthTokenSweepOptions
            {
                KeepAlive = true,       // refresh grants not written for KeepAliveAfter (30 days)
                DeleteRevoked = true,   // ...and delete the secret when Google answers invalid_grant
                DeleteAbandoned = true, // no refresh token, access token expired AbandonedAfter (30 days) ago
                MaxWritesPerSecond = 5, // a tenth of the account's 50 writes a second
            },
            new Progress<OAuthTokenSweepProgress>(p => Console.Write($"\r{p.Scanned} scanned, {p.ActionsTaken} actions")),
            cancellationToken);
        Console.WriteLine();
        Console.WriteLine(report); // counts per class and action, Elapsed, MonthlySavings: never a token
        #endregion
        return report.Failed == 0 ? 0 : 1;
    }
}

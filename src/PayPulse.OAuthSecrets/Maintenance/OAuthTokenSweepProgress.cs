namespace PayPulse.OAuthSecrets.Maintenance;

/// <summary>How far a sweep has come, reported after each secret.</summary>
/// <param name="Scanned">The secrets read and classified so far.</param>
/// <param name="ActionsTaken">The keep-alive refreshes and deletes done so far (on a dry run: that would be done).</param>
public sealed record OAuthTokenSweepProgress(int Scanned, int ActionsTaken);

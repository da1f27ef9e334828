namespace PayPulse.OAuthSecrets.Internal;

/// <summary>What a write-back left stored, and how.</summary>
internal readonly record struct WriteBackResult(StoredBundle Stored, WriteBackOutcome Outcome);

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>How a conditional write-back of refreshed tokens ended.</summary>
internal enum WriteBackOutcome
{
    /// <summary>Written at the first try.</summary>
    Written,

    /// <summary>Another writer had updated the same grant: merged with it (and written, unless it was newer).</summary>
    Merged,

    /// <summary>The secret holds another grant now (a reconnect): nothing was written; the stored bundle stands.</summary>
    Superseded,
}

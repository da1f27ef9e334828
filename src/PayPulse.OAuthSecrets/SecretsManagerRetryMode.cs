namespace PayPulse.OAuthSecrets;

/// <summary>
/// How Secrets Manager calls are retried, named after the AWS SDKs' retry modes (<c>retry_mode</c> in the AWS config
/// file, <c>RequestRetryMode</c> in the AWS SDK for .NET). Both modes share one retry quota per client.
/// </summary>
public enum SecretsManagerRetryMode
{
    /// <summary>
    /// The AWS SDKs' standard mode: transient failures are retried up to <see cref="OAuthSecretsOptions.MaxAttempts"/>
    /// times with full-jitter backoff, while a retry quota (a token bucket of 500 shared by every call of the client)
    /// lasts, so that an outage does not multiply the load on Secrets Manager by the number of attempts.
    /// </summary>
    Standard = 0,

    /// <summary>
    /// Standard mode plus client-side rate limiting: once Secrets Manager throttles, every attempt waits for a send token
    /// from a token bucket whose rate follows the throttling answers (CUBIC: cut to 70 % of the measured send rate on
    /// each throttle, grown back between them). For workloads that push Secrets Manager's request quotas, such as its
    /// 50 writes per second.
    /// </summary>
    Adaptive = 1,
}

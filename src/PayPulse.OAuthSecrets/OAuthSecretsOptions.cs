using System.ComponentModel.DataAnnotations;
using Amazon.Runtime;

namespace PayPulse.OAuthSecrets;

/// <summary>
/// Settings of PayPulse.OAuthSecrets: where Secrets Manager is, how calls to it are retried, and how secrets are named.
/// Bind from configuration (section <c>PayPulse:OAuthSecrets</c> in the README) or set in code.
/// </summary>
public sealed class OAuthSecretsOptions
{
    /// <summary>The configuration section the README uses for these options.</summary>
    public const string DefaultSectionName = "PayPulse:OAuthSecrets";

    /// <summary>
    /// Gets or sets the AWS Region of Secrets Manager, such as <c>eu-west-1</c>. Default: <see langword="null"/>,
    /// which means the <c>AWS_REGION</c> environment variable, else <c>AWS_DEFAULT_REGION</c> (Lambda sets
    /// <c>AWS_REGION</c>). A region is required: it is part of every request signature.
    /// </summary>
    public string? Region { get; set; }

    /// <summary>
    /// Gets or sets an explicit Secrets Manager endpoint, for an emulator (moto, LocalStack) or a VPC endpoint.
    /// Default: <see langword="null"/>, which means <c>AWS_ENDPOINT_URL_SECRETS_MANAGER</c>, else <c>AWS_ENDPOINT_URL</c>,
    /// else <c>https://secretsmanager.{region}.{partition DNS suffix}</c>.
    /// </summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether to call the FIPS endpoint (<c>secretsmanager-fips.{region}…</c>).
    /// Only the US, Canada and GovCloud Regions that have one are accepted. Default: <see langword="false"/>.
    /// Ignored when a service URL is set.
    /// </summary>
    public bool UseFipsEndpoint { get; set; }

    /// <summary>
    /// Gets or sets the AWS credentials to sign with. Default: <see langword="null"/>, which means AWSSDK.Core's
    /// default credential chain (environment variables as on Lambda, profiles and SSO, web identity, container and
    /// instance metadata), resolved at send time so that rotating credentials are picked up.
    /// </summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>
    /// Gets or sets how many times one Secrets Manager call is attempted in all, the first attempt included.
    /// Transient failures (throttling, 5xx, timeouts, connection failures) are retried; nothing else is.
    /// Default: 3, as in the AWS SDKs' standard retry mode. Range: 1 to 10.
    /// </summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Gets or sets how long one attempt of a Secrets Manager call may take before it counts as a transient timeout.
    /// Default: 10 seconds. Range: 100 milliseconds to 5 minutes.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets the base of the exponential backoff between attempts. The wait before retry <c>n</c> is a random
    /// time between zero and <c>min(MaxRetryDelay, RetryBaseDelay × 2^(n−1))</c> ("full jitter").
    /// Default: 1 second. Range: 0 to 1 minute.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the cap of the wait between attempts. Default: 20 seconds, as in the AWS SDKs.
    /// Range: 0 to 5 minutes.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);
}

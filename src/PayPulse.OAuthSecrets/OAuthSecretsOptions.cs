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

    private const string DefaultTokenEndpoint = "https://oauth2.googleapis.com/token";

    private Uri? _tokenEndpoint;
    private Uri? _defaultTokenEndpoint;

    /// <summary>
    /// Gets or sets the AWS Region of Secrets Manager, such as <c>eu-west-1</c>. Default: <see langword="null"/>,
    /// which means the <c>AWS_REGION</c> environment variable, else <c>AWS_DEFAULT_REGION</c> (Lambda sets
    /// <c>AWS_REGION</c>). A region is required: it is part of every request signature.
    /// </summary>
    public string? Region { get; set; }

    /// <summary>
    /// Gets or sets an explicit Secrets Manager endpoint, for an emulator (moto, LocalStack) or a VPC endpoint.
    /// Default: <see langword="null"/>, which means <c>AWS_ENDPOINT_URL_SECRETS_MANAGER</c>, else <c>AWS_ENDPOINT_URL</c>,
    /// else <c>https://secretsmanager.{region}.{partition DNS suffix}</c>. Plain http is accepted for loopback addresses only.
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
    /// Gets or sets how Secrets Manager calls are retried, as the AWS SDKs' <c>retry_mode</c>:
    /// <see cref="SecretsManagerRetryMode.Standard"/> (the default) pays for each retry from a retry quota of 500 tokens
    /// shared by all calls of the client (5 per retry, 10 after a timeout, given back on success), so that an outage
    /// does not multiply the load by <see cref="MaxAttempts"/>; <see cref="SecretsManagerRetryMode.Adaptive"/> adds a
    /// client-side rate limiter that slows attempts down after throttling answers. Default:
    /// <see cref="SecretsManagerRetryMode.Standard"/>. Google token requests are retried without either.
    /// </summary>
    public SecretsManagerRetryMode RetryMode { get; set; } = SecretsManagerRetryMode.Standard;

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
    /// Range: 0 to 5 minutes. A <c>Retry-After</c> from Google's token endpoint (on 429 or 503) replaces the backoff
    /// when it is at most this long; when it is longer, the refresh is not retried and fails with
    /// <see cref="OAuthTokenRefreshException.RetryAfter"/> set.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Gets or sets the prefix of each user's secret name; the user id follows it. Default: <c>gmail/user/</c>, the
    /// name the Python Lambdas use. ASCII letters, digits and <c>/_+=.@-</c>, at most 128 characters.
    /// </summary>
    [Required]
    public string SecretNamePrefix { get; set; } = "gmail/user/";

    /// <summary>
    /// Gets or sets the name of the secret that holds the Google OAuth client id (a plain string).
    /// Default: <c>Google-OAuth-Client-ID</c>. Not read when <see cref="GoogleClientId"/> is set.
    /// </summary>
    [Required]
    public string ClientIdSecretName { get; set; } = "Google-OAuth-Client-ID";

    /// <summary>
    /// Gets or sets the Google OAuth client id (the iOS client: public, no secret). Default: <see langword="null"/>,
    /// which means it is read from the <see cref="ClientIdSecretName"/> secret once per process.
    /// </summary>
    public string? GoogleClientId { get; set; }

    /// <summary>
    /// Gets or sets the scope stored when a grant names none and nothing is stored yet.
    /// Default: <c>https://www.googleapis.com/auth/gmail.readonly</c>.
    /// </summary>
    [Required]
    public string DefaultScope { get; set; } = "https://www.googleapis.com/auth/gmail.readonly";

    /// <summary>
    /// Gets or sets the AWS KMS key (id, ARN or alias) that encrypts newly created user secrets. Default:
    /// <see langword="null"/>, which means the account's <c>aws/secretsmanager</c> key. Existing secrets keep theirs.
    /// </summary>
    public string? KmsKeyId { get; set; }

    /// <summary>Gets the tags put on newly created user secrets. Default: none.</summary>
    public IDictionary<string, string> SecretTags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets how long a bundle this process has read or written stands in for a read: within it, and while the
    /// access token has more than <see cref="RefreshBeforeExpiry"/> left, <see cref="IOAuthTokenStore.GetAsync"/> and
    /// <c>IGmailCredentialFactory.CreateAsync</c> make no Secrets Manager call. Default: 30 seconds, long enough to
    /// serve a Lambda invocation's burst of calls for one user from memory, short against a token's hour. Range: 0
    /// (always read) to 5 minutes. It covers this process only: within it, a reconnect or delete by another process
    /// (a Python Lambda, say) is not seen, so a credential may still be built from the tokens read before it. Writes
    /// are never built blindly on it: every write-back is conditional on the version it was based on.
    /// </summary>
    public TimeSpan BundleCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long storing a user's tokens keeps retrying while Secrets Manager still reports the user's
    /// secret as scheduled for deletion (a force delete completes asynchronously). Default: 30 seconds.
    /// Range: 0 (no retry) to 5 minutes.
    /// </summary>
    public TimeSpan RecreateAfterDeletionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets a value indicating whether secrets are kept in this process (<see cref="InProcessSecretStore"/>)
    /// instead of AWS Secrets Manager: for local development, samples and tests. Same names, JSON and merge rules;
    /// nothing is persisted. The container's <see cref="InProcessSecretStore"/> singleton is the store used, so tests can
    /// resolve it to seed or inspect secrets. When the container first uses it, the library logs one warning (event 3002,
    /// <c>InProcessSecretStoreInUse</c>). Default: <see langword="false"/>.
    /// </summary>
    public bool UseInProcessSecretStore { get; set; }

    /// <summary>
    /// Gets or sets Google's OAuth token endpoint. Default: <c>https://oauth2.googleapis.com/token</c>. Tests point it
    /// at a loopback server; plain http is accepted for loopback addresses only.
    /// </summary>
    public Uri TokenEndpoint
    {
        // The default is made on first read: only a Gmail refresh needs it, and a first Uri costs a cold start.
        get => IsTokenEndpointSet ? _tokenEndpoint! : _defaultTokenEndpoint ??= new Uri(DefaultTokenEndpoint);
        set
        {
            _tokenEndpoint = value;
            IsTokenEndpointSet = true;
        }
    }

    /// <summary>Gets whether <see cref="TokenEndpoint"/> was set; the default needs no validation.</summary>
    internal bool IsTokenEndpointSet { get; private set; }

    /// <summary>
    /// Gets or sets how long before its expiry a stored access token is refreshed when a credential is created, so that
    /// refresh failures reach the caller instead of a background refresh. Default: 5 minutes, as in the Python code.
    /// Range: 0 to 30 minutes.
    /// </summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how long callers wait for one token refresh in all, Google's answer and the write-back included.
    /// The refresh runs once per user and refresh token for every concurrent caller; a caller's cancellation only stops
    /// its own wait. Once Google has answered, the write-back runs to completion under a bound of its own (this same
    /// duration, from Google's answer) even when the callers' wait ends first: they then get the new tokens unwritten,
    /// and the tokens are written as soon as the write-back completes. Default: 1 minute. Range: 1 second to 5 minutes.
    /// </summary>
    public TimeSpan RefreshTimeout { get; set; } = TimeSpan.FromMinutes(1);
}

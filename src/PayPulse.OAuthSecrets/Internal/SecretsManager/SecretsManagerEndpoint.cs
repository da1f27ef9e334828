using System.Text.RegularExpressions;
using Amazon;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>Where Secrets Manager calls go and which Region signs them.</summary>
internal sealed partial record SecretsManagerEndpoint(Uri ServiceUrl, RegionEndpoint Region)
{
    internal const string SigningName = "secretsmanager";

    private static readonly string[] FipsRegions =
    [
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "us-gov-east-1", "us-gov-west-1",
    ];

    /// <summary>Reads an environment variable; replaced in tests.</summary>
    internal delegate string? EnvironmentReader(string name);

    /// <summary>
    /// Resolves the endpoint from options first, then the standard AWS environment variables.
    /// </summary>
    /// <exception cref="InvalidOperationException">The configuration does not name a usable Region or endpoint.</exception>
    public static SecretsManagerEndpoint Resolve(OAuthSecretsOptions options, EnvironmentReader? environment = null)
    {
        var error = TryResolve(options, environment ?? Environment.GetEnvironmentVariable, out var endpoint);
        return error is null ? endpoint! : throw new InvalidOperationException(error);
    }

    /// <summary>Resolves the endpoint, or returns a message that says what is wrong with the configuration.</summary>
    public static string? TryResolve(OAuthSecretsOptions options, EnvironmentReader environment, out SecretsManagerEndpoint? endpoint)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        endpoint = null;

        var regionName = FirstNonEmpty(options.Region, environment("AWS_REGION"), environment("AWS_DEFAULT_REGION"));
        if (regionName is null)
        {
            return "No AWS Region is configured for Secrets Manager: set OAuthSecretsOptions.Region or the AWS_REGION " +
                   "(or AWS_DEFAULT_REGION) environment variable.";
        }

        regionName = regionName.Trim();
        if (!RegionPattern().IsMatch(regionName))
        {
            return $"'{regionName}' is not an AWS Region name (expected a name such as 'us-east-1').";
        }

        var region = RegionEndpoint.GetBySystemName(regionName);

        var explicitUrl = options.ServiceUrl?.ToString() ??
                          FirstNonEmpty(environment("AWS_ENDPOINT_URL_SECRETS_MANAGER"), environment("AWS_ENDPOINT_URL"));
        if (explicitUrl is not null)
        {
            if (!Uri.TryCreate(explicitUrl, UriKind.Absolute, out var url) ||
                (!string.Equals(url.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal) && !string.Equals(url.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal)))
            {
                return $"The Secrets Manager service URL '{explicitUrl}' is not an absolute http or https URL.";
            }

            if (!IsHttpsOrLoopback(url))
            {
                return $"The Secrets Manager service URL '{explicitUrl}' must use https unless it is a loopback address (secrets would travel in clear text).";
            }

            endpoint = new SecretsManagerEndpoint(url, region);
            return null;
        }

        var service = SigningName;
        if (options.UseFipsEndpoint)
        {
            if (Array.IndexOf(FipsRegions, regionName) < 0)
            {
                return $"Secrets Manager has no FIPS endpoint in Region '{regionName}'; FIPS endpoints exist in " +
                       string.Join(", ", FipsRegions) + ".";
            }

            service = "secretsmanager-fips";
        }

        endpoint = new SecretsManagerEndpoint(new Uri($"https://{service}.{regionName}.{region.PartitionDnsSuffix}/"), region);
        return null;
    }

    /// <summary>Whether secrets may be sent to <paramref name="url"/>: https, or http to this machine only.</summary>
    internal static bool IsHttpsOrLoopback(Uri url) =>
        string.Equals(url.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal) ||
        (string.Equals(url.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal) && url.IsLoopback);

    private static string? FirstNonEmpty(params string?[] values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
        }

        return null;
    }

    [GeneratedRegex("^[a-z]{2}(?:-[a-z]+){1,3}-[0-9]{1,2}$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RegionPattern();
}

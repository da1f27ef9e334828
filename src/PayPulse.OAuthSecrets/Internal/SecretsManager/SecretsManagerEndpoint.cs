using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime.Internal.Endpoints.StandardLibrary;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// Where Secrets Manager calls go and which Region signs them. Region names, partitions, DNS suffixes and FIPS support
/// come from AWSSDK.Core's partition data (<see cref="RegionEndpoint"/> and the endpoint rules' <c>Fn.Partition</c>),
/// so new Regions and partitions resolve without a change here.
/// </summary>
internal sealed partial record SecretsManagerEndpoint(Uri ServiceUrl, RegionEndpoint Region)
{
    internal const string SigningName = "secretsmanager";

    /// <summary>Reads an environment variable; replaced in tests.</summary>
    internal delegate string? EnvironmentReader(string name);

    /// <summary>The partition facts the endpoint needs: its name, DNS suffix and whether it has FIPS endpoints.</summary>
    internal readonly record struct PartitionFacts(string Name, string DnsSuffix, bool SupportsFips);

    /// <summary>Looks up the partition of a Region name; replaced in tests.</summary>
    internal delegate PartitionFacts PartitionLookup(string regionName);

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
    public static string? TryResolve(OAuthSecretsOptions options, EnvironmentReader environment, out SecretsManagerEndpoint? endpoint) =>
        TryResolve(options, environment, PartitionOf, out endpoint);

    /// <summary>Resolves the endpoint against the given partition data.</summary>
    internal static string? TryResolve(
        OAuthSecretsOptions options, EnvironmentReader environment, PartitionLookup partitions, out SecretsManagerEndpoint? endpoint)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(partitions);
        endpoint = null;

        var regionName = FirstNonEmpty(options.Region, environment("AWS_REGION"), environment("AWS_DEFAULT_REGION"));
        if (regionName is null)
        {
            return "No AWS Region is configured for Secrets Manager: set OAuthSecretsOptions.Region or the AWS_REGION " +
                   "(or AWS_DEFAULT_REGION) environment variable.";
        }

        regionName = regionName.Trim();
        if (!IsWellFormedRegionName(regionName))
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

        // Only a Region's own endpoint needs the partition (its DNS suffix and FIPS support); reading the partition
        // data costs a cold start several milliseconds, so an explicit endpoint (above) never reads it.
        var partition = partitions(regionName);
        var service = SigningName;
        if (options.UseFipsEndpoint)
        {
            // The Secrets Manager endpoint rules: FIPS is offered wherever the partition supports it, at
            // secretsmanager-fips.{region}.{dnsSuffix}. AWS lists such hosts only in some Regions of a partition; elsewhere
            // the host does not exist and the call fails as a Network error that names it (see the README).
            if (!partition.SupportsFips)
            {
                return $"Secrets Manager has no FIPS endpoint in Region '{regionName}': its partition '{partition.Name}' " +
                       "does not support FIPS.";
            }

            service = "secretsmanager-fips";
        }

        endpoint = new SecretsManagerEndpoint(new Uri($"https://{service}.{regionName}.{partition.DnsSuffix}/"), region);
        return null;
    }

    /// <summary>
    /// Whether <paramref name="regionName"/> is a Region name: lower-case, and either matching the Region pattern of
    /// one of AWSSDK.Core's partitions (<see cref="RegionEndpoint.AllPartitionRegionRegex"/>) or shaped like one
    /// (<c>{area}-{name}-{number}</c>, which AWS SDKs place in the <c>aws</c> partition until their data knows better).
    /// The shape is checked first: every standard Region name has it, and the partitions' patterns are compiled at run
    /// time, which a cold start pays for; they are read only for a name of another shape.
    /// </summary>
    internal static bool IsWellFormedRegionName(string regionName)
    {
        if (!RegionShape().IsMatch(regionName))
        {
            return false;
        }

        if (GenericRegionShape().IsMatch(regionName))
        {
            return true;
        }

        foreach (var pattern in RegionEndpoint.AllPartitionRegionRegex)
        {
            if (Regex.IsMatch(regionName, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            {
                return true;
            }
        }

        return false;
    }

    private static PartitionFacts PartitionOf(string regionName)
    {
        var partition = Fn.Partition(regionName);
        return new PartitionFacts(partition.name, partition.dnsSuffix, partition.supportsFIPS);
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

    /// <summary>Lower-case letters, digits and inner hyphens only: a DNS label, which every Region name is.</summary>
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RegionShape();

    /// <summary>The shape of a Region no partition pattern knows yet: an area of 2 to 4 letters, 1 to 3 words, a number.</summary>
    [GeneratedRegex("^[a-z]{2,4}(?:-[a-z]+){1,3}-[0-9]{1,2}$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GenericRegionShape();
}

using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.SecretsManager;

public sealed class SecretsManagerEndpointTests
{
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    [Theory]
    [InlineData("us-east-1", "https://secretsmanager.us-east-1.amazonaws.com/")]
    [InlineData("eu-west-1", "https://secretsmanager.eu-west-1.amazonaws.com/")]
    [InlineData("cn-north-1", "https://secretsmanager.cn-north-1.amazonaws.com.cn/")]
    [InlineData("us-gov-west-1", "https://secretsmanager.us-gov-west-1.amazonaws.com/")]
    [InlineData("us-iso-east-1", "https://secretsmanager.us-iso-east-1.c2s.ic.gov/")]
    public void Resolve_Region_UsesThePartitionDnsSuffix(string region, string expected)
    {
        var endpoint = Resolve(new OAuthSecretsOptions { Region = region });

        endpoint.ServiceUrl.Should().Be(new Uri(expected));
        endpoint.Region.SystemName.Should().Be(region);
    }

    [Fact]
    public void Resolve_RegionPrecedence_OptionsThenAwsRegionThenAwsDefaultRegion()
    {
        _environment["AWS_DEFAULT_REGION"] = "eu-central-1";
        Resolve(new OAuthSecretsOptions()).Region.SystemName.Should().Be("eu-central-1");

        _environment["AWS_REGION"] = "eu-west-2";
        Resolve(new OAuthSecretsOptions()).Region.SystemName.Should().Be("eu-west-2");

        Resolve(new OAuthSecretsOptions { Region = "ap-south-1" }).Region.SystemName.Should().Be("ap-south-1");
    }

    [Fact]
    public void Resolve_NoRegionAnywhere_IsAClearConfigurationError()
    {
        var act = () => Resolve(new OAuthSecretsOptions { ServiceUrl = new Uri("http://127.0.0.1:5000/") });

        act.Should().Throw<InvalidOperationException>().WithMessage("*No AWS Region*AWS_REGION*");
    }

    [Theory]
    [InlineData("US-EAST-1")]
    [InlineData("useast1")]
    [InlineData("us-east-1/../x")]
    [InlineData("us-EAST-1")]
    [InlineData("us_east-1")]
    [InlineData("us-east-1.")]
    [InlineData("-us-east-1")]
    public void Resolve_MalformedRegion_IsAConfigurationError(string region)
    {
        var act = () => Resolve(new OAuthSecretsOptions { Region = region });

        act.Should().Throw<InvalidOperationException>().WithMessage("*not an AWS Region*");
    }

    [Theory]
    [InlineData("us-east-1", "https://secretsmanager-fips.us-east-1.amazonaws.com/")]
    [InlineData("us-gov-west-1", "https://secretsmanager-fips.us-gov-west-1.amazonaws.com/")]
    [InlineData("ca-central-1", "https://secretsmanager-fips.ca-central-1.amazonaws.com/")]
    public void Resolve_Fips_UsesTheFipsHost(string region, string expected)
    {
        Resolve(new OAuthSecretsOptions { Region = region, UseFipsEndpoint = true }).ServiceUrl.Should().Be(new Uri(expected));
    }

    [Theory]
    [InlineData("eu-west-1", "https://secretsmanager-fips.eu-west-1.amazonaws.com/")]
    [InlineData("eusc-de-east-1", "https://secretsmanager-fips.eusc-de-east-1.amazonaws.eu/")]
    [InlineData("cn-north-1", "https://secretsmanager-fips.cn-north-1.amazonaws.com.cn/")]
    public void Resolve_FipsWhereThePartitionSupportsIt_FollowsThePartitionData_EvenWhereAwsListsNoFipsHost(string region, string expected)
    {
        // AWSSDK.Core's partition data says every partition supports FIPS, and the Secrets Manager endpoint rules build
        // the FIPS host from it without a Region list; where AWS lists no such host, the call fails as a Network error.
        Resolve(new OAuthSecretsOptions { Region = region, UseFipsEndpoint = true }).ServiceUrl.Should().Be(new Uri(expected));
    }

    [Fact]
    public void Resolve_ExplicitServiceUrl_NeverReadsThePartitionData()
    {
        var error = SecretsManagerEndpoint.TryResolve(
            new OAuthSecretsOptions { Region = "eu-west-1", ServiceUrl = new Uri("http://127.0.0.1:5000/") },
            name => _environment.GetValueOrDefault(name),
            _ => throw new InvalidOperationException("the partition data was read"),
            out var endpoint);

        error.Should().BeNull();
        endpoint!.ServiceUrl.Should().Be(new Uri("http://127.0.0.1:5000/"));
        endpoint.Region.SystemName.Should().Be("eu-west-1");
    }

    [Fact]
    public void Resolve_FipsInAPartitionWithoutFips_IsAConfigurationError()
    {
        var error = SecretsManagerEndpoint.TryResolve(
            new OAuthSecretsOptions { Region = "eu-west-1", UseFipsEndpoint = true },
            name => _environment.GetValueOrDefault(name),
            _ => new SecretsManagerEndpoint.PartitionFacts("aws-test", "example.test", SupportsFips: false),
            out var endpoint);

        error.Should().Match("*no FIPS endpoint*eu-west-1*aws-test*");
        endpoint.Should().BeNull();
    }

    [Theory]
    [InlineData("eusc-de-east-1", "aws-eusc", "https://secretsmanager.eusc-de-east-1.amazonaws.eu/")]
    [InlineData("us-isob-east-1", "aws-iso-b", "https://secretsmanager.us-isob-east-1.sc2s.sgov.gov/")]
    [InlineData("eu-isoe-west-1", "aws-iso-e", "https://secretsmanager.eu-isoe-west-1.cloud.adc-e.uk/")]
    [InlineData("us-isof-south-1", "aws-iso-f", "https://secretsmanager.us-isof-south-1.csp.hci.ic.gov/")]
    [InlineData("eusc-de-west-7", "aws-eusc", "https://secretsmanager.eusc-de-west-7.amazonaws.eu/")]
    [InlineData("ap-southeast-9", "aws", "https://secretsmanager.ap-southeast-9.amazonaws.com/")]
    [InlineData("xx-newregion-9", "aws", "https://secretsmanager.xx-newregion-9.amazonaws.com/")]
    public void Resolve_PartitionsAndFutureRegions_ComeFromTheSdksPartitionData(string region, string partition, string expected)
    {
        var endpoint = Resolve(new OAuthSecretsOptions { Region = region });

        endpoint.ServiceUrl.Should().Be(new Uri(expected));
        endpoint.Region.SystemName.Should().Be(region);
        endpoint.Region.PartitionName.Should().Be(partition);
    }

    [Fact]
    public void Resolve_ServiceUrlPrecedence_OptionsThenServiceVariableThenGlobalVariable()
    {
        var options = new OAuthSecretsOptions { Region = "us-east-1" };
        _environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566";
        Resolve(options).ServiceUrl.Should().Be(new Uri("http://127.0.0.1:4566/"));

        _environment["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = "http://127.0.0.1:5000";
        Resolve(options).ServiceUrl.Should().Be(new Uri("http://127.0.0.1:5000/"));

        options.ServiceUrl = new Uri("https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com/");
        var endpoint = Resolve(options);
        endpoint.ServiceUrl.Should().Be(options.ServiceUrl);
        endpoint.Region.SystemName.Should().Be("us-east-1", "the Region still signs requests to an explicit endpoint");
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("http://secretsmanager.internal.example.com/")]
    public void Resolve_BadServiceUrl_IsAConfigurationError(string url)
    {
        _environment["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = url;

        var act = () => Resolve(new OAuthSecretsOptions { Region = "us-east-1" });

        act.Should().Throw<InvalidOperationException>().WithMessage("*service URL*");
    }

    private SecretsManagerEndpoint Resolve(OAuthSecretsOptions options) =>
        SecretsManagerEndpoint.Resolve(options, name => _environment.GetValueOrDefault(name));
}

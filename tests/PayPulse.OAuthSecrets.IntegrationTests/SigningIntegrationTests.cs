using System.Net;
using Amazon.Runtime;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// SigV4 signing checked by a moto server that enforces IAM: every request must be signed with a key its IAM knows
/// (the fixture's user key, or its assumed-role session key plus token).
/// </summary>
[Collection(MotoAuthCollection.Name)]
public sealed class SigningIntegrationTests : IDisposable
{
    private readonly MotoAuthFixture _fixture;
    private readonly RequestCountingHandler _requests = new();
    private readonly HttpClient _http;

    public SigningIntegrationTests(MotoAuthFixture fixture)
    {
        _fixture = fixture;
        _http = TestSecretsManagerClients.CreateHttpClient(_requests);
    }

    private MotoIamCredentials Iam => _fixture.Credentials;

    [Fact]
    public async Task Operations_SignedWithIamUserKey_AllSucceed()
    {
        var client = CreateClient(new BasicAWSCredentials(Iam.UserAccessKeyId, Iam.UserSecretAccessKey));

        await RunEveryOperationAsync(client);

        _requests.Count.Should().Be(10, "every operation succeeds on its first attempt");
    }

    [Fact]
    public async Task Operations_SignedWithSessionCredentials_AllSucceed()
    {
        var client = CreateClient(new SessionAWSCredentials(Iam.SessionAccessKeyId, Iam.SessionSecretAccessKey, Iam.SessionToken));

        await RunEveryOperationAsync(client);

        _requests.Count.Should().Be(10, "every operation succeeds on its first attempt");
    }

    [Fact]
    public async Task CreateSecretAsync_WrongSecretKey_ThrowsAuthenticationWithoutRetryOrSideEffects()
    {
        var name = SecretNames.Unique();
        // Three attempts are allowed: a retry would show in the request count.
        var client = CreateClient(
            new BasicAWSCredentials(Iam.UserAccessKeyId, Iam.UserSecretAccessKey + "wrong"),
            options =>
            {
                options.MaxAttempts = 3;
                options.RetryBaseDelay = TimeSpan.FromSeconds(2);
            },
            jitter: () => 1.0);

        var create = async () => await client.CreateSecretAsync(new NewSecret(name, "never stored"), SecretsManagerLimits.NewClientRequestToken());

        var error = (await create.Should().ThrowAsync<SecretsManagerException>()).Which;
        error.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        error.ErrorCode.Should().Be("SignatureDoesNotMatch");
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.IsTransient.Should().BeFalse();
        error.Message.Should().NotContain(Iam.UserSecretAccessKey);
        _requests.Targets.Should().Equal("secretsmanager.CreateSecret");

        var described = async () => await CreateUserClient().DescribeSecretAsync(name);
        (await described.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound, "the rejected CreateSecret must not have created anything");
    }

    [Fact]
    public async Task GetSecretValueAsync_WrongSecretKey_ThrowsAuthentication()
    {
        var name = SecretNames.Unique();
        await CreateUserClient().CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        var client = CreateClient(new BasicAWSCredentials(Iam.UserAccessKeyId, "not-the-secret-key"));

        var read = async () => await client.GetSecretValueAsync(name);

        var error = (await read.Should().ThrowAsync<SecretsManagerException>()).Which;
        error.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        error.ErrorCode.Should().Be("SignatureDoesNotMatch");
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PutSecretValueAsync_WrongSecretKey_LeavesTheValueUnchanged()
    {
        var name = SecretNames.Unique();
        var userClient = CreateUserClient();
        await userClient.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        var client = CreateClient(new BasicAWSCredentials(Iam.UserAccessKeyId, "not-the-secret-key"));

        var put = async () => await client.PutSecretValueAsync(name, "v2", SecretsManagerLimits.NewClientRequestToken());

        (await put.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        (await userClient.GetSecretValueAsync(name)).SecretString.Should().Be("v1");
    }

    [Fact]
    public async Task GetSecretValueAsync_SessionKeyWithoutToken_ThrowsAuthentication()
    {
        var client = CreateClient(new BasicAWSCredentials(Iam.SessionAccessKeyId, Iam.SessionSecretAccessKey));

        var read = async () => await client.GetSecretValueAsync(SecretNames.Unique());

        var error = (await read.Should().ThrowAsync<SecretsManagerException>()).Which;
        // Without X-Amz-Security-Token moto looks the ASIA key up among IAM user keys and does not find it.
        error.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        error.ErrorCode.Should().Be("InvalidClientTokenId");
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        _requests.Count.Should().Be(1);
    }

    [Fact]
    public async Task GetSecretValueAsync_SessionKeyWithWrongToken_ThrowsAuthentication()
    {
        var client = CreateClient(new SessionAWSCredentials(Iam.SessionAccessKeyId, Iam.SessionSecretAccessKey, Iam.SessionToken + "x"));

        var read = async () => await client.GetSecretValueAsync(SecretNames.Unique());

        var error = (await read.Should().ThrowAsync<SecretsManagerException>()).Which;
        error.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        error.ErrorCode.Should().Be("InvalidClientTokenId");
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.Message.Should().NotContain(Iam.SessionToken);
    }

    [Fact]
    public async Task GetSecretValueAsync_UnknownAccessKey_ThrowsAuthentication()
    {
        var client = CreateClient(new BasicAWSCredentials("AKIAUNKNOWNKEY000001", "whatever"));

        var read = async () => await client.GetSecretValueAsync(SecretNames.Unique());

        var error = (await read.Should().ThrowAsync<SecretsManagerException>()).Which;
        error.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        error.ErrorCode.Should().Be("InvalidClientTokenId");
    }

    [Fact]
    public async Task Operations_EndpointRegionOtherThanUsEast1_SignForThatRegion()
    {
        // Same server, but the endpoint says eu-west-1: moto verifies the signature over the credential scope it is
        // sent (so the signer must use the region consistently) and keeps secrets per region of that scope.
        var client = new SecretsManagerClient(
            _http,
            new SecretsManagerEndpoint(_fixture.ServiceUrl, Amazon.RegionEndpoint.EUWest1),
            TestSecretsManagerClients.CreateOptions(_fixture.ServiceUrl, new BasicAWSCredentials(Iam.UserAccessKeyId, Iam.UserSecretAccessKey)));
        var name = SecretNames.Unique();

        await client.CreateSecretAsync(new NewSecret(name, "eu"), SecretsManagerLimits.NewClientRequestToken());

        (await client.GetSecretValueAsync(name)).SecretString.Should().Be("eu");
        var inUsEast1 = async () => await CreateUserClient().GetSecretValueAsync(name);
        (await inUsEast1.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound, "moto keeps secrets per signing region");
    }

    public void Dispose() => _http.Dispose();

    private static async Task RunEveryOperationAsync(SecretsManagerClient client)
    {
        var name = SecretNames.Unique();

        var created = await client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        (await client.GetSecretValueAsync(name)).SecretString.Should().Be("v1");
        var put = await client.PutSecretValueAsync(name, "v2 ✓", SecretsManagerLimits.NewClientRequestToken());
        put.VersionId.Should().NotBe(created.VersionId);
        (await client.GetSecretValueAsync(name)).SecretString.Should().Be("v2 ✓");

        // The conditional write: a value under a private label, made current by moving AWSCURRENT from the version read.
        var pending = await client.PutSecretValueAsync(name, "v3", SecretsManagerLimits.NewClientRequestToken(), "PAYPULSE_PENDING");
        await client.UpdateSecretVersionStageAsync(name, "AWSCURRENT", pending.VersionId!, put.VersionId!);
        (await client.GetSecretValueAsync(name)).SecretString.Should().Be("v3");
        (await client.DescribeSecretAsync(name)).Arn.Should().Be(created.Arn);
        await client.DeleteSecretAsync(name);

        var read = async () => await client.GetSecretValueAsync(name);
        (await read.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
    }

    private SecretsManagerClient CreateUserClient() =>
        TestSecretsManagerClients.Create(
            _http, _fixture.ServiceUrl, new BasicAWSCredentials(Iam.UserAccessKeyId, Iam.UserSecretAccessKey));

    private SecretsManagerClient CreateClient(
        AWSCredentials credentials, Action<OAuthSecretsOptions>? configure = null, Func<double>? jitter = null) =>
        TestSecretsManagerClients.Create(_http, _fixture.ServiceUrl, credentials, configure, jitter);
}

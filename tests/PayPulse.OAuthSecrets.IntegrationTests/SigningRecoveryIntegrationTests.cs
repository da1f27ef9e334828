using System.Diagnostics;
using System.Globalization;
using System.Net;
using Amazon;
using Amazon.Runtime;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// The client's recovery rules over real HTTP: moto behind a loopback proxy that injects a clock-skew error, an
/// expired token or an unreadable 200, and loopback container-credentials servers (one rotating session tokens, one
/// that never answers). Each test counts what the proxy or the credentials server saw.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class SigningRecoveryIntegrationTests : IAsyncDisposable
{
    private const string ContainerFullUri = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    private const string ContainerRelativeUri = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";

    private readonly MotoFixture _moto;
    private readonly HttpClient _http = TestSecretsManagerClients.CreateHttpClient();
    private readonly List<IAsyncDisposable> _servers = [];

    public SigningRecoveryIntegrationTests(MotoFixture moto) => _moto = moto;

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        _http.Dispose();
    }

    [Fact]
    public async Task SignatureExpired_WithASkewedDate_IsReSignedAtTheServersTime_AndLaterCallsStartCorrected()
    {
        var serverNow = DateTimeOffset.UtcNow.AddMinutes(20);
        var proxy = StartProxy(r => r.Number == 1
            ? InjectedResponse.Json(
                HttpStatusCode.BadRequest,
                $$"""{"__type":"InvalidSignatureException","message":"Signature expired: {{AmzDate(serverNow.AddMinutes(-20))}} is now earlier than {{AmzDate(serverNow.AddMinutes(-5))}} ({{AmzDate(serverNow)}} - 5 min.)"}""",
                ("Date", serverNow.ToString("r", CultureInfo.InvariantCulture)))
            : null);
        var client = CreateClient(proxy, TestSecretsManagerClients.DummyCredentials, o => o.MaxAttempts = 1);
        var name = SecretNames.Unique();

        await client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        (await client.GetSecretValueAsync(name)).SecretString.Should().Be("v1");
        await client.DeleteSecretAsync(name);

        var requests = proxy.Requests;
        requests.Select(r => r.Operation).Should().Equal("CreateSecret", "CreateSecret", "GetSecretValue", "DeleteSecret");
        foreach (var request in requests.Skip(1))
        {
            SignedAt(request).Should().BeCloseTo(serverNow, TimeSpan.FromSeconds(30), "every request after the skew is signed at the corrected time");
        }

        SignedAt(requests[0]).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task ExpiredToken_ClearsRefreshingCredentials_AndResendsOnceWithTheNewToken()
    {
        var credentials = new RotatingCredentials();
        var proxy = StartProxy(r => r.Number == 2
            ? InjectedResponse.Json(HttpStatusCode.BadRequest, """{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}""")
            : null);
        var client = CreateClient(proxy, credentials, o => o.MaxAttempts = 1);
        var name = SecretNames.Unique();

        await client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        (await client.GetSecretValueAsync(name)).SecretString.Should().Be("v1");
        await client.DeleteSecretAsync(name);

        proxy.Requests.Select(r => (r.Operation, r.Header("X-Amz-Security-Token"))).Should().Equal(
            ("CreateSecret", "token-1"), ("GetSecretValue", "token-1"), ("GetSecretValue", "token-2"), ("DeleteSecret", "token-2"));
    }

    [Fact]
    public async Task UnreadableSuccessResponse_IsRetried_AndTheProxySeesTheRetry()
    {
        var proxy = StartProxy(r => r.Operation == "GetSecretValue" && r.Number <= 3
            ? InjectedResponse.Json(HttpStatusCode.OK, """{"ARN":"arn:aws:secretsmanager:us-east-1:1:secret:x","Name":"x","SecretStr""")
            : null);
        var client = CreateClient(proxy, TestSecretsManagerClients.DummyCredentials, o => o.MaxAttempts = 3);
        var name = SecretNames.Unique();

        await client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        (await client.GetSecretValueAsync(name)).SecretString.Should().Be("v1");
        await client.DeleteSecretAsync(name);

        proxy.Requests.Select(r => r.Operation).Should().Equal("CreateSecret", "GetSecretValue", "GetSecretValue", "GetSecretValue", "DeleteSecret");
    }

    [Fact]
    public async Task UnreadableSuccessResponse_EveryTime_IsATransientFailure_AfterMaxAttempts()
    {
        var proxy = StartProxy(_ => InjectedResponse.Json(HttpStatusCode.OK, "<html>captive portal</html>"));
        var client = CreateClient(proxy, TestSecretsManagerClients.DummyCredentials, o => o.MaxAttempts = 2);

        var ex = (await FluentActions.Awaiting(() => client.GetSecretValueAsync("x")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.UnreadableSuccessResponse);
        ex.IsTransient.Should().BeTrue();
        proxy.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task ContainerCredentials_RotatedAfterAnExpiredToken_AreFetchedAgainFromTheContainerEndpoint()
    {
        var issued = 0;
        var container = LoopbackHttpServer.Start((_, _) =>
        {
            var n = Interlocked.Increment(ref issued);
            var expiration = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            return Task.FromResult(LoopbackResponse.Json(
                HttpStatusCode.OK,
                $$"""{"AccessKeyId":"AKIDCONTAINER","SecretAccessKey":"secret","Token":"container-token-{{n}}","Expiration":"{{expiration}}"}"""));
        });
        _servers.Add(container);
        var credentials = ContainerCredentialsFor(new Uri(container.BaseUri, "creds"));
        var proxy = StartProxy(r => r.Number == 1
            ? InjectedResponse.Json(HttpStatusCode.BadRequest, """{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}""")
            : null);
        var client = CreateClient(proxy, credentials, o => o.MaxAttempts = 1);
        var name = SecretNames.Unique();

        await client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        await client.DeleteSecretAsync(name);

        proxy.Requests.Select(r => r.Header("X-Amz-Security-Token")).Should().Equal("container-token-1", "container-token-2", "container-token-2");
        container.RequestCount.Should().Be(2);
    }

    [Fact]
    public async Task ContainerCredentialsEndpointThatHangs_FailsTypedTransient_WithinTheAttemptTimeout()
    {
        var container = LoopbackHttpServer.Start(async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return LoopbackHttpServer.StoppingResponse;
        });
        _servers.Add(container);
        var credentials = ContainerCredentialsFor(new Uri(container.BaseUri, "creds"));
        var proxy = StartProxy(_ => null);
        var client = CreateClient(proxy, credentials, o =>
        {
            o.MaxAttempts = 1;
            o.AttemptTimeout = TimeSpan.FromMilliseconds(500);
        });
        var clock = Stopwatch.StartNew();

        var ex = (await FluentActions.Awaiting(() => client.GetSecretValueAsync("x")).Should().ThrowAsync<SecretsManagerException>()).Which;

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
        ex.Kind.Should().Be(SecretsManagerErrorKind.Timeout);
        ex.IsTransient.Should().BeTrue();
        ex.Message.Should().Contain("credentials");
        container.RequestCount.Should().BeGreaterThan(0);
        proxy.Requests.Should().BeEmpty("nothing can be signed without credentials");
    }

    private static DateTimeOffset SignedAt(ProxiedRequest request) => DateTimeOffset.ParseExact(
        request.Header("X-Amz-Date")!, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// AWSSDK.Core's container provider reads its endpoint when it is built: the environment variable is set only
    /// for that and restored at once. AWSSDK.Core allows http to a loopback full URI.
    /// </summary>
    private static GenericContainerCredentials ContainerCredentialsFor(Uri endpoint)
    {
        var full = Environment.GetEnvironmentVariable(ContainerFullUri);
        var relative = Environment.GetEnvironmentVariable(ContainerRelativeUri);
        try
        {
            Environment.SetEnvironmentVariable(ContainerRelativeUri, null);
            Environment.SetEnvironmentVariable(ContainerFullUri, endpoint.ToString());
            return new GenericContainerCredentials();
        }
        finally
        {
            Environment.SetEnvironmentVariable(ContainerFullUri, full);
            Environment.SetEnvironmentVariable(ContainerRelativeUri, relative);
        }
    }

    private LoopbackAwsProxy StartProxy(Func<ProxiedRequest, InjectedResponse?> intercept)
    {
        var proxy = LoopbackAwsProxy.Start(_moto.ServiceUrl, intercept);
        _servers.Add(proxy);
        return proxy;
    }

    private SecretsManagerClient CreateClient(LoopbackAwsProxy proxy, AWSCredentials credentials, Action<OAuthSecretsOptions> configure)
    {
        var options = TestSecretsManagerClients.CreateOptions(proxy.BaseUri, credentials);
        configure(options);
        return new SecretsManagerClient(
            _http,
            new SecretsManagerEndpoint(proxy.BaseUri, RegionEndpoint.GetBySystemName(MotoServer.Region)),
            options,
            TimeProvider.System,
            logger: null,
            jitter: () => 0,
            new ClockCorrections());
    }

    /// <summary>Refreshing credentials that hand out <c>token-1</c>, <c>token-2</c>, … one per refresh.</summary>
    private sealed class RotatingCredentials : RefreshingAWSCredentials
    {
        private int _generated;

        protected override CredentialsRefreshState GenerateNewCredentials() => Next();

        protected override Task<CredentialsRefreshState> GenerateNewCredentialsAsync() => Task.FromResult(Next());

        private CredentialsRefreshState Next() => new(
            new ImmutableCredentials("AKIDROTATING", "secret", $"token-{Interlocked.Increment(ref _generated)}"),
            DateTime.UtcNow.AddHours(1));
    }
}

using System.Net;
using Amazon;
using Microsoft.Extensions.DependencyInjection;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.Retry;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// The retry quota against moto through <see cref="FaultInjectingProxy"/>: during an outage, N concurrent calls with
/// MaxAttempts = 3 send at most N + 500 / 5 attempts in all, where retrying every call would send 3 × N.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class SecretsManagerRetryQuotaIntegrationTests : IAsyncLifetime
{
    private const int Calls = 200;
    private const int MaxAttempts = 3;

    private readonly MotoFixture _moto;
    private FaultInjectingProxy _proxy = null!;
    private ServiceProvider _services = null!;
    private string _secret = null!;

    public SecretsManagerRetryQuotaIntegrationTests(MotoFixture moto)
    {
        _moto = moto;
    }

    public async Task InitializeAsync()
    {
        _proxy = FaultInjectingProxy.Start(_moto.ServiceUrl);
        _services = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o =>
            {
                var defaults = TestSecretsManagerClients.CreateOptions(_proxy.BaseUri, TestSecretsManagerClients.DummyCredentials);
                o.Region = defaults.Region;
                o.ServiceUrl = defaults.ServiceUrl;
                o.Credentials = defaults.Credentials;
                o.MaxAttempts = MaxAttempts;
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(5);
            })
            .BuildServiceProvider();

        _secret = SecretNames.Unique("retry-quota");
        await Client.CreateSecretAsync(new NewSecret(_secret, "{}"), SecretsManagerLimits.NewClientRequestToken());
    }

    public async Task DisposeAsync()
    {
        _proxy.ClearFaults();
        await Client.DeleteSecretAsync(_secret, forceDeleteWithoutRecovery: true);
        await _services.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    private ISecretsManagerClient Client => _services.GetRequiredService<ISecretsManagerClient>();

    [Fact]
    public async Task Outage_ConcurrentCalls_SendAtMostOneAttemptEachPlusWhatTheQuotaPaysFor()
    {
        const int bound = Calls + (RetryQuota.DefaultCapacity / RetryQuota.RetryCost);
        bound.Should().BeLessThan(Calls * MaxAttempts, "the bound is only worth asserting if retrying every call would break it");
        (await Client.GetSecretValueAsync(_secret)).SecretString.Should().Be("{}", "the proxy forwards to moto");

        InjectOutage();
        var failures = await CallConcurrentlyAsync(Client);

        failures.Should().HaveCount(Calls).And.AllSatisfy(ex => ex.IsTransient.Should().BeTrue());
        failures.Select(ex => ex.Kind).Distinct().Should().BeSubsetOf([SecretsManagerErrorKind.ServiceUnavailable, SecretsManagerErrorKind.Throttled]);
        _proxy.ForwardedCount.Should().Be(0);
        _proxy.RequestCount.Should().BeInRange(Calls, bound);

        // Secrets Manager is back: calls succeed at once, and each success gives one token back.
        _proxy.ClearFaults();
        _proxy.ResetCounts();
        for (var i = 0; i < 10; i++)
        {
            (await Client.GetSecretValueAsync(_secret)).SecretString.Should().Be("{}");
        }

        _proxy.ForwardedCount.Should().Be(10);
        ((SecretsManagerClient)Client).RetryBudget.Quota.Available.Should().Be(10);
    }

    [Fact]
    public async Task Outage_WithoutTheQuota_EveryCallWouldBeTriedMaxAttemptsTimes()
    {
        // The control for the test above: the same outage against a client whose quota never runs out.
        using var http = TestSecretsManagerClients.CreateHttpClient();
        var options = TestSecretsManagerClients.CreateOptions(_proxy.BaseUri, TestSecretsManagerClients.DummyCredentials);
        options.MaxAttempts = MaxAttempts;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        options.MaxRetryDelay = TimeSpan.FromMilliseconds(5);
        var unlimited = new RetryBudget(new RetryQuota(int.MaxValue), null, static _ => false, static _ => false);
        var client = new SecretsManagerClient(
            http, new SecretsManagerEndpoint(_proxy.BaseUri, RegionEndpoint.GetBySystemName(MotoServer.Region)), options, retryBudget: unlimited);

        InjectOutage();
        var failures = await CallConcurrentlyAsync(client);

        failures.Should().HaveCount(Calls);
        _proxy.RequestCount.Should().Be(Calls * MaxAttempts)
            .And.BeGreaterThan(Calls + (RetryQuota.DefaultCapacity / RetryQuota.RetryCost));
    }

    [Fact]
    public async Task Proxy_ForwardsToMoto_InjectsFaultsByPredicate_AndCountsBoth()
    {
        _proxy.ResetCounts();
        _proxy.InjectWhen(
            r => r.Header("X-Amz-Target") == "secretsmanager.DescribeSecret",
            _ => new LoopbackResponse(HttpStatusCode.BadRequest, """{"__type":"AccessDeniedException","message":"injected"}""", "application/x-amz-json-1.1"));

        (await Client.GetSecretValueAsync(_secret)).SecretString.Should().Be("{}");
        var denied = await FluentActions.Awaiting(() => Client.DescribeSecretAsync(_secret)).Should().ThrowAsync<SecretsManagerException>();

        denied.Which.Kind.Should().Be(SecretsManagerErrorKind.AccessDenied);
        _proxy.RequestCount.Should().Be(2);
        _proxy.ForwardedCount.Should().Be(1);
        _proxy.InjectedCount.Should().Be(1);
    }

    private void InjectOutage()
    {
        _proxy.ResetCounts();
        var answered = 0;
        _proxy.InjectAll(_ => Interlocked.Increment(ref answered) % 2 == 0
            ? new LoopbackResponse(HttpStatusCode.ServiceUnavailable, """{"__type":"ServiceUnavailable","message":"injected outage"}""", "application/x-amz-json-1.1")
            : new LoopbackResponse(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""", "application/x-amz-json-1.1"));
    }

    private async Task<SecretsManagerException[]> CallConcurrentlyAsync(ISecretsManagerClient client)
    {
        var calls = Enumerable.Range(0, Calls).Select(async _ =>
        {
            try
            {
                await client.GetSecretValueAsync(_secret);
                return null;
            }
            catch (SecretsManagerException ex)
            {
                return ex;
            }
        });

        return (await Task.WhenAll(calls)).OfType<SecretsManagerException>().ToArray();
    }
}

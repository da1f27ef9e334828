using System.Net;
using Amazon;
using Microsoft.Extensions.DependencyInjection;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.Retry;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>
/// The retry quota against moto through <see cref="LoopbackAwsProxy"/>: during an outage, N concurrent calls with
/// MaxAttempts = 3 send at most N + 500 / 5 attempts in all, where retrying every call would send 3 × N.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class SecretsManagerRetryQuotaIntegrationTests : IAsyncLifetime
{
    private const int Calls = 200;
    private const int MaxAttempts = 3;

    private readonly MotoFixture _moto;
    private LoopbackAwsProxy _proxy = null!;
    private Func<ProxiedRequest, InjectedResponse?>? _fault;
    private int _injected;
    private int _countedFrom;
    private ServiceProvider _services = null!;
    private string _secret = null!;

    public SecretsManagerRetryQuotaIntegrationTests(MotoFixture moto)
    {
        _moto = moto;
    }

    public async Task InitializeAsync()
    {
        _proxy = LoopbackAwsProxy.Start(_moto.ServiceUrl, request =>
        {
            var answer = Volatile.Read(ref _fault)?.Invoke(request);
            if (answer is not null)
            {
                Interlocked.Increment(ref _injected);
            }

            return answer;
        });
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
        ClearFaults();
        await Client.DeleteSecretAsync(_secret, forceDeleteWithoutRecovery: true);
        await _services.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    private ISecretsManagerClient Client => _services.GetRequiredService<ISecretsManagerClient>();

    /// <summary>Requests the proxy saw since the last <see cref="ResetCounts"/>, injected and forwarded alike.</summary>
    private int RequestCount => _proxy.Requests.Count - Volatile.Read(ref _countedFrom);

    private int InjectedCount => Volatile.Read(ref _injected);

    private int ForwardedCount => RequestCount - InjectedCount;

    private void Inject(Func<ProxiedRequest, InjectedResponse?> fault) => Volatile.Write(ref _fault, fault);

    private void ClearFaults() => Volatile.Write(ref _fault, null);

    private void ResetCounts()
    {
        Volatile.Write(ref _countedFrom, _proxy.Requests.Count);
        Volatile.Write(ref _injected, 0);
    }

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
        ForwardedCount.Should().Be(0);
        RequestCount.Should().BeInRange(Calls, bound);

        // Secrets Manager is back: calls succeed at once, and each success gives one token back.
        ClearFaults();
        ResetCounts();
        for (var i = 0; i < 10; i++)
        {
            (await Client.GetSecretValueAsync(_secret)).SecretString.Should().Be("{}");
        }

        ForwardedCount.Should().Be(10);
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
        RequestCount.Should().Be(Calls * MaxAttempts)
            .And.BeGreaterThan(Calls + (RetryQuota.DefaultCapacity / RetryQuota.RetryCost));
    }

    [Fact]
    public async Task Proxy_ForwardsToMoto_InjectsFaultsByPredicate_AndCountsBoth()
    {
        ResetCounts();
        Inject(r => r.Operation == "DescribeSecret"
            ? InjectedResponse.Json(HttpStatusCode.BadRequest, """{"__type":"AccessDeniedException","message":"injected"}""")
            : null);

        (await Client.GetSecretValueAsync(_secret)).SecretString.Should().Be("{}");
        var denied = await FluentActions.Awaiting(() => Client.DescribeSecretAsync(_secret)).Should().ThrowAsync<SecretsManagerException>();

        denied.Which.Kind.Should().Be(SecretsManagerErrorKind.AccessDenied);
        RequestCount.Should().Be(2);
        ForwardedCount.Should().Be(1);
        InjectedCount.Should().Be(1);
    }

    private void InjectOutage()
    {
        ResetCounts();
        var answered = 0;
        Inject(_ => Interlocked.Increment(ref answered) % 2 == 0
            ? InjectedResponse.Json(HttpStatusCode.ServiceUnavailable, """{"__type":"ServiceUnavailable","message":"injected outage"}""")
            : InjectedResponse.Json(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}"""));
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

using Amazon;
using Amazon.Runtime;
using Microsoft.Extensions.Logging.Testing;
using PayPulse.OAuthSecrets.Internal.Retry;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Retry;

/// <summary>The retry quota and the adaptive rate limiter as the Secrets Manager client uses them.</summary>
public sealed class SecretsManagerRetryQuotaTests : IDisposable
{
    private const string SecretValueJson = """{"Name":"n","VersionId":"v1","SecretString":"{}"}""";
    private const string Throttling = """{"__type":"ThrottlingException","message":"Rate exceeded"}""";

    private readonly ScriptedHttpHandler _handler = new();
    private readonly ObservedTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly FakeLogger<SecretsManagerClient> _logger = new();
    private readonly OAuthSecretsOptions _options = new()
    {
        Region = "us-east-1",
        Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        RetryBaseDelay = TimeSpan.Zero, // no backoff waits: these tests are about what retries cost
    };

    public void Dispose() => _handler.Dispose();

    [Fact]
    public async Task RetriedCall_PaysFivePerRetry_AndGetsItsLastRetryCostBackOnSuccess()
    {
        var client = CreateClient();
        var seen = new List<int>();
        _handler
            .Then(HttpStatusCode.ServiceUnavailable, "{}")
            .Then((_, _) => Answer(seen, client, HttpStatusCode.BadRequest, Throttling))
            .Then((_, _) => Answer(seen, client, HttpStatusCode.OK, SecretValueJson));

        await client.GetSecretValueAsync("n");

        seen.Should().Equal(495, 490);
        client.RetryBudget.Quota.Available.Should().Be(495, "the SDKs give back what the last retry cost, not every retry");
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout, "{}")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"RequestTimeoutException"}""")]
    public async Task RetryAfterATimeout_CostsTen_AndIsGivenBackOnSuccess(HttpStatusCode status, string body)
    {
        var client = CreateClient();
        var seen = new List<int>();
        _handler.Then(status, body).Then((_, _) => Answer(seen, client, HttpStatusCode.OK, SecretValueJson));

        await client.GetSecretValueAsync("n");

        seen.Should().Equal(490);
        client.RetryBudget.Quota.Available.Should().Be(500);
    }

    [Fact]
    public async Task AttemptTimeout_CostsTenToRetry()
    {
        _options.MaxAttempts = 2;
        var client = CreateClient();
        var seen = new List<int>();
        _handler.ThenHang().Then((_, _) => Answer(seen, client, HttpStatusCode.OK, SecretValueJson));

        var call = client.GetSecretValueAsync("n");
        await _handler.WaitForRequestsAsync(1);
        _time.Advance(_options.AttemptTimeout);
        await call;

        seen.Should().Equal(490);
    }

    [Fact]
    public async Task FirstAttemptSuccess_GivesBackOneToken_NeverBeyondCapacity()
    {
        var client = CreateClient();
        _handler.Always(HttpStatusCode.OK, SecretValueJson);
        client.RetryBudget.Quota.TryAcquire(5);

        await client.GetSecretValueAsync("n");
        client.RetryBudget.Quota.Available.Should().Be(496);

        for (var i = 0; i < 10; i++)
        {
            await client.GetSecretValueAsync("n");
        }

        client.RetryBudget.Quota.Available.Should().Be(500);
    }

    [Fact]
    public async Task FailedLastAttempt_CostsNothing_AndNothingIsGivenBack()
    {
        var client = CreateClient();
        _handler.Always(HttpStatusCode.ServiceUnavailable, "{}");

        await FluentActions.Awaiting(() => client.GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>();

        _handler.Requests.Should().HaveCount(3);
        client.RetryBudget.Quota.Available.Should().Be(490, "two retries were made; the third failure is not retried and not paid for");
    }

    [Fact]
    public async Task NonTransientFailure_TakesAndGivesNothing()
    {
        var client = CreateClient();
        _handler.Always(HttpStatusCode.BadRequest, """{"__type":"ResourceNotFoundException"}""");

        await FluentActions.Awaiting(() => client.GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>();

        client.RetryBudget.Quota.Available.Should().Be(500);
    }

    [Fact]
    public async Task ExhaustedQuota_SurfacesTheLastTransientFailure_WithoutRetrying()
    {
        var client = CreateClient();
        while (client.RetryBudget.Quota.TryAcquire(RetryQuota.RetryCost))
        {
        }

        _handler.Always(HttpStatusCode.ServiceUnavailable, "{}", ("x-amzn-RequestId", "req-503"));

        var ex = (await FluentActions.Awaiting(() => client.GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        _handler.Requests.Should().ContainSingle();
        ex.Kind.Should().Be(SecretsManagerErrorKind.ServiceUnavailable);
        ex.IsTransient.Should().BeTrue();
        ex.RequestId.Should().Be("req-503");
        _logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1110 && r.Id.Name == "RetryQuotaExhausted");
    }

    [Fact]
    public async Task Quota_IsSharedByEveryCallOfTheClient_SoAnOutageCostsAtMostOneHundredRetries()
    {
        var client = CreateClient();
        _handler.Always(HttpStatusCode.ServiceUnavailable, "{}");

        for (var i = 0; i < 60; i++)
        {
            await FluentActions.Awaiting(() => client.GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>();
        }

        // 50 calls × 3 attempts use up 100 retries; the other 10 calls are tried once.
        _handler.Requests.Should().HaveCount(160);
        client.RetryBudget.Quota.Available.Should().Be(0);

        // Once Secrets Manager is back, successes refill the bucket one token each, and retries resume.
        _handler.Always(HttpStatusCode.OK, SecretValueJson);
        for (var i = 0; i < 5; i++)
        {
            await client.GetSecretValueAsync("n");
        }

        client.RetryBudget.Quota.Available.Should().Be(5);
    }

    [Fact]
    public async Task ConcurrentCalls_DuringAnOutage_SendAtMostOneAttemptEachPlusOneHundred()
    {
        const int calls = 200;
        var client = CreateClient();
        _handler.Always(HttpStatusCode.BadRequest, Throttling);

        var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(async _ =>
        {
            try
            {
                await client.GetSecretValueAsync("n");
                return null;
            }
            catch (SecretsManagerException ex)
            {
                return ex;
            }
        }));

        results.Should().AllSatisfy(ex => ex!.Kind.Should().Be(SecretsManagerErrorKind.Throttled));
        _handler.Requests.Count.Should().Be(calls + (RetryQuota.DefaultCapacity / RetryQuota.RetryCost), "without the quota it would be 600");
    }

    [Fact]
    public async Task EachClient_HasItsOwnQuota()
    {
        var first = CreateClient();
        var second = CreateClient();
        _handler.Always(HttpStatusCode.ServiceUnavailable, "{}");

        await FluentActions.Awaiting(() => first.GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>();

        first.RetryBudget.Quota.Available.Should().Be(490);
        second.RetryBudget.Quota.Available.Should().Be(500);
        second.RetryBudget.Should().NotBeSameAs(first.RetryBudget);
    }

    [Fact]
    public void StandardMode_HasNoRateLimiter_AdaptiveModeHasOne()
    {
        CreateClient().RetryBudget.RateLimiter.Should().BeNull();

        _options.RetryMode = SecretsManagerRetryMode.Adaptive;
        CreateClient().RetryBudget.RateLimiter.Should().NotBeNull();
    }

    [Fact]
    public async Task AdaptiveMode_AfterAThrottle_AnAttemptWaitsForASendTokenBeforeItIsSent()
    {
        _options.RetryMode = SecretsManagerRetryMode.Adaptive;
        _options.MaxAttempts = 1;
        var client = CreateClient();
        var limiter = client.RetryBudget.RateLimiter!;
        _handler.Then(HttpStatusCode.BadRequest, Throttling).Always(HttpStatusCode.OK, SecretValueJson);

        await FluentActions.Awaiting(() => client.GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>();
        limiter.IsEnabled.Should().BeTrue();
        while (limiter.TryAcquire(out _))
        {
        }

        var call = client.GetSecretValueAsync("n");
        await Task.Delay(50);
        _handler.Requests.Should().ContainSingle("the second call waits for a token at the floor rate of 0.5 per second");

        _time.Advance(TimeSpan.FromSeconds(2.1));
        (await call).VersionId.Should().Be("v1");
        _handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task AdaptiveMode_ThrottledAnswers_LowerTheRate_AndRetriesAreStillPaidFromTheQuota()
    {
        _options.RetryMode = SecretsManagerRetryMode.Adaptive;
        var client = CreateClient();
        var limiter = client.RetryBudget.RateLimiter!;
        _handler.Always(HttpStatusCode.OK, SecretValueJson);
        for (var i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await client.GetSecretValueAsync("n");
        }

        var before = limiter.MeasuredSendRate;
        _handler.Then(HttpStatusCode.BadRequest, Throttling);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        await client.GetSecretValueAsync("n");

        limiter.IsEnabled.Should().BeTrue();
        limiter.FillRate.Should().BeLessThan(before);
        client.RetryBudget.Quota.Available.Should().Be(500, "the retry cost 5 and its success gave them back");
    }

    [Fact]
    public async Task FirstAttemptSuccess_GivesOneTokenBack_WithoutBuildingTheRetryPipeline()
    {
        var client = CreateClient();
        client.RetryBudget.Quota.TryAcquire(RetryQuota.RetryCost).Should().BeTrue();
        _handler.Then(HttpStatusCode.OK, SecretValueJson);

        await client.GetSecretValueAsync("n");

        client.RetryBudget.Quota.Available.Should().Be(496, "a first-attempt success gives one token back, as in the SDKs");
        client.IsRetryPipelineBuilt.Should().BeFalse("a call that needs no retry never pays for building the pipeline");
    }

    [Fact]
    public async Task FirstAttemptSuccess_WithOneAttempt_LeavesTheQuotaAlone()
    {
        _options.MaxAttempts = 1;
        var client = CreateClient();
        client.RetryBudget.Quota.TryAcquire(RetryQuota.RetryCost).Should().BeTrue();
        _handler.Then(HttpStatusCode.OK, SecretValueJson);

        await client.GetSecretValueAsync("n");

        client.RetryBudget.Quota.Available.Should().Be(495, "with nothing to retry, calls neither pay into nor draw on the quota");
    }

    [Fact]
    public async Task TransientFirstFailure_IsRetriedByThePipeline_ThatLaterCallsKeepUsing()
    {
        var client = CreateClient();
        _handler
            .Then(HttpStatusCode.ServiceUnavailable, "{}")
            .Then(HttpStatusCode.OK, SecretValueJson)
            .Then(HttpStatusCode.ServiceUnavailable, "{}")
            .Then(HttpStatusCode.OK, SecretValueJson);

        await client.GetSecretValueAsync("n");
        client.IsRetryPipelineBuilt.Should().BeTrue();
        await client.GetSecretValueAsync("n");

        _handler.Requests.Should().HaveCount(4);
        _logger.Collector.GetSnapshot().Should().HaveCount(2).And.OnlyContain(r => r.Message.Contains("attempt 2", StringComparison.Ordinal));
        client.RetryBudget.Quota.Available.Should().Be(500);
    }

    [Fact]
    public async Task NonTransientFirstFailure_IsNotRetried_AndBuildsNoPipeline()
    {
        var client = CreateClient();
        _handler.Then(HttpStatusCode.BadRequest, """{"__type":"ResourceNotFoundException"}""").Then(HttpStatusCode.OK, SecretValueJson);

        var ex = (await FluentActions.Awaiting(() => client.GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
        _handler.Requests.Should().ContainSingle();
        client.IsRetryPipelineBuilt.Should().BeFalse();
    }

    private static Task<HttpResponseMessage> Answer(List<int> seen, SecretsManagerClient client, HttpStatusCode status, string body)
    {
        seen.Add(client.RetryBudget.Quota.Available);
        return Task.FromResult(ScriptedHttpHandler.Response(status, body));
    }

    private SecretsManagerClient CreateClient() => new(
        new HttpClient(_handler, disposeHandler: false),
        new SecretsManagerEndpoint(new Uri("https://secretsmanager.us-east-1.amazonaws.com/"), RegionEndpoint.USEast1),
        _options,
        _time,
        _logger,
        () => 0);
}

using Amazon;
using Amazon.Runtime;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Maintenance;

public sealed class SecretsManagerWriteBudgetTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 3)]
    [InlineData(5, 11)]
    public async Task NoOneSecondWindow_HoldsMoreWritesThanTheBudget_AndTheBudgetIsUsed(int perSecond, int writes)
    {
        // Invariant: for every permit granted at time t, the permits granted in [t, t + 1 s) number at most perSecond.
        // The limiter's window runs on real time (see SecretsManagerWriteBudget), so this test does too.
        using var budget = new SecretsManagerWriteBudget(perSecond);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var granted = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();
        await UnderAsync(budget, () => Task.WhenAll(Enumerable.Range(0, writes).Select(_ => Task.Run(async () =>
        {
            await SecretsManagerWriteBudget.WaitAsync(CancellationToken.None);
            granted.Add(clock.Elapsed);
        }))));

        var times = granted.Order().ToList();
        times.Should().HaveCount(writes);
        for (var i = 0; i < times.Count; i++)
        {
            times.Count(t => t >= times[i] && t < times[i] + TimeSpan.FromSeconds(1))
                .Should().BeLessThanOrEqualTo(perSecond, $"the window starting at permit {i} ({times[i]}) may hold no more");
        }

        var windows = ((writes + perSecond - 1) / perSecond) - 1;
        (times[^1] - times[0]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(windows), "the writes beyond the budget wait");
    }

    [Fact]
    public void WithoutABudget_AWriteDoesNotWait()
    {
        SecretsManagerWriteBudget.Current.Should().BeNull();
        for (var i = 0; i < 100; i++)
        {
            SecretsManagerWriteBudget.WaitAsync(CancellationToken.None).AsTask().IsCompletedSuccessfully.Should().BeTrue();
        }
    }

    [Fact]
    public async Task TheBudget_FlowsIntoWorkStartedUnderIt_AndEndsWithTheMethodThatSetIt()
    {
        using var budget = new SecretsManagerWriteBudget(3);
        SecretsManagerWriteBudget? seenInside = null;

        async Task RunUnderBudgetAsync()
        {
            SecretsManagerWriteBudget.Use(budget);
            seenInside = await Task.Run(() => SecretsManagerWriteBudget.Current);
        }

        await RunUnderBudgetAsync();

        seenInside.Should().BeSameAs(budget);
        SecretsManagerWriteBudget.Current.Should().BeNull("the caller of the method that set it is not paced");
    }

    [Fact]
    public async Task AWaitForAPermit_IsCancellable_AndADisposedBudgetLetsWritesGo()
    {
        var budget = new SecretsManagerWriteBudget(1);
        await UnderAsync(budget, async () =>
        {
            await SecretsManagerWriteBudget.WaitAsync(CancellationToken.None);
            using var cancel = new CancellationTokenSource();
            var cancelled = SecretsManagerWriteBudget.WaitAsync(cancel.Token).AsTask();
            var waiting = SecretsManagerWriteBudget.WaitAsync(CancellationToken.None).AsTask();
            cancelled.IsCompleted.Should().BeFalse();
            await cancel.CancelAsync();
            await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();

            waiting.IsCompleted.Should().BeFalse();
            budget.Dispose();
            await waiting.WaitAsync(TimeSpan.FromSeconds(5));
            SecretsManagerWriteBudget.WaitAsync(CancellationToken.None).AsTask().IsCompletedSuccessfully.Should().BeTrue();
        });
    }

    [Fact]
    public async Task TheClient_TakesAPermitForEveryWriteAttempt_RetriesIncluded_AndNoneForReads()
    {
        var time = new FakeTimeProvider(Start);
        using var handler = new ScriptedHttpHandler()
            .Then(HttpStatusCode.InternalServerError, """{"__type":"InternalServiceError","message":"try again"}""")
            .Then(HttpStatusCode.OK, """{"Name":"gmail/user/u-1","VersionId":"v1","SecretString":"{}"}""")
            .Then(HttpStatusCode.OK, """{"Name":"gmail/user/u-1","VersionId":"v2"}""");
        var client = new SecretsManagerClient(
            new HttpClient(handler, disposeHandler: false),
            new SecretsManagerEndpoint(new Uri("https://secretsmanager.us-east-1.amazonaws.com/"), RegionEndpoint.USEast1),
            new OAuthSecretsOptions { Region = "us-east-1", Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "secret"), RetryBaseDelay = TimeSpan.Zero },
            time,
            jitter: () => 0);
        using var budget = new SecretsManagerWriteBudget(1);

        await UnderAsync(budget, async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var put = client.PutSecretValueAsync("gmail/user/u-1", "{}", "0123456789abcdef0123456789abcdef");
            await handler.WaitForRequestsAsync(1);

            // The retry needs the next permit: it waits for the window to move on. A read goes at once.
            var read = client.GetSecretValueAsync("gmail/user/u-1");
            await read.WaitAsync(TimeSpan.FromSeconds(5));
            await Task.Delay(100);
            put.IsCompleted.Should().BeFalse("the retried write waits for a permit");
            handler.Requests.Select(r => r.Target).Should().Equal("secretsmanager.PutSecretValue", "secretsmanager.GetSecretValue");

            await put.WaitAsync(TimeSpan.FromSeconds(10));
            clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), "the second write waits for the window");
            handler.Requests.Select(r => r.Target).Should().Equal(
                "secretsmanager.PutSecretValue", "secretsmanager.GetSecretValue", "secretsmanager.PutSecretValue");
        });
    }

    [Fact]
    public async Task TheInProcessStore_TakesAPermitForEveryWrite()
    {
        ISecretsManagerClient store = new InProcessSecretStore(new FakeTimeProvider(Start));
        using var budget = new SecretsManagerWriteBudget(2);

        await UnderAsync(budget, async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await store.CreateSecretAsync(new NewSecret("gmail/user/a", "{}"), "0123456789abcdef0123456789abcde1");
            await store.PutSecretValueAsync("gmail/user/a", "{\"b\":1}", "0123456789abcdef0123456789abcde2");
            var delete = store.DeleteSecretAsync("gmail/user/a");
            (await store.GetSecretValueAsync("gmail/user/a")).SecretString.Should().Be("{\"b\":1}", "reads are not paced");
            delete.IsCompleted.Should().BeFalse("the third write in a second waits");

            await delete.WaitAsync(TimeSpan.FromSeconds(10));
            clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), "the third write waits for the window");
        });
    }

    private static async Task UnderAsync(SecretsManagerWriteBudget budget, Func<Task> work)
    {
        SecretsManagerWriteBudget.Use(budget);
        await work();
    }
}

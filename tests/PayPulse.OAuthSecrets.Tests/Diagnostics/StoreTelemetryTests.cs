using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PayPulse.OAuthSecrets.Diagnostics;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Tests.Store;

namespace PayPulse.OAuthSecrets.Tests.Diagnostics;

public sealed class StoreTelemetryTests : TokenStoreTestBase, IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly OAuthSecretsTelemetry _telemetry;
    private readonly MetricCollector<double> _durations;

    public StoreTelemetryTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _telemetry = new OAuthSecretsTelemetry(meters);
        _durations = new MetricCollector<double>(meters, OAuthSecretsDiagnostics.MeterName, OAuthSecretsTelemetry.StoreDurationName);
    }

    public void Dispose()
    {
        _durations.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task GetAsync_RecordsItsDurationOnTheLibrarysClock()
    {
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(_ =>
        {
            Time.Advance(TimeSpan.FromSeconds(1.5));
            return Task.FromResult(new SecretValue("gmail/user/u-1", null, "v1", """{"access_token":"ya29.a","expires_at":"2026-11-25T06:00:00"}""", null));
        });

        await CreateStore(client, _telemetry).GetAsync("u-1");

        var measurement = _durations.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        measurement.Value.Should().Be(1.5);
        measurement.Tags[OAuthSecretsTelemetry.OperationTag].Should().Be("get");
        measurement.Tags.Should().NotContainKey(OAuthSecretsTelemetry.ErrorTypeTag);
    }

#if NET9_0_OR_GREATER
    [Fact]
    public void Duration_AdvisesSecondScaleBuckets()
    {
        var histogram = _durations.Instrument.Should().BeOfType<Histogram<double>>().Subject;

        histogram.Unit.Should().Be("s");
        histogram.Advice!.HistogramBucketBoundaries.Should().Equal(OAuthSecretsTelemetry.DurationBuckets);
        histogram.Advice.HistogramBucketBoundaries.Should().BeInAscendingOrder().And.Contain(0.005).And.Contain(10);
    }
#endif

    [Fact]
    public async Task EveryOperation_IsRecordedUnderItsName()
    {
        var store = CreateStore(telemetry: _telemetry);

        await store.StoreAsync("u-1", Grant(), Alice);
        await store.GetAsync("u-1");
        await store.UpdateAsync("u-1", Grant(access: "ya29.new"));
        await store.DeleteAsync("u-1");

        _durations.GetMeasurementSnapshot().Select(m => m.Tags[OAuthSecretsTelemetry.OperationTag])
            .Should().Equal("store", "get", "update", "delete");
    }

    [Fact]
    public async Task FailedOperations_RecordTheErrorType()
    {
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromException<SecretValue>(
            new SecretsManagerException("simulated", SecretsManagerErrorKind.Throttled, "ThrottlingException", HttpStatusCode.BadRequest, "req-1")));
        var throttled = CreateStore(client, _telemetry);
        var empty = CreateStore(telemetry: _telemetry);

        await FluentActions.Awaiting(() => throttled.GetAsync("u-1")).Should().ThrowAsync<SecretsManagerException>();
        await FluentActions.Awaiting(() => empty.UpdateAsync("u-1", Grant())).Should().ThrowAsync<OAuthTokenNotFoundException>();

        _durations.GetMeasurementSnapshot().Select(m => (m.Tags[OAuthSecretsTelemetry.OperationTag], m.Tags[OAuthSecretsTelemetry.ErrorTypeTag]))
            .Should().Equal(("get", typeof(SecretsManagerException).FullName), ("update", typeof(OAuthTokenNotFoundException).FullName));
    }

    [Fact]
    public async Task Activities_OnePerOperation_TaggedWithTheUserNeverWithATokenValue()
    {
        using var recorder = new ActivityRecorder();
        var store = CreateStore(telemetry: _telemetry);

        await store.StoreAsync("u-1", Grant(), Alice);
        await store.GetAsync("u-1");
        await FluentActions.Awaiting(() => store.UpdateAsync("u-2", Grant())).Should().ThrowAsync<OAuthTokenNotFoundException>();

        var activities = recorder.Stopped;
        activities.Select(a => a.OperationName).Should().Equal("OAuthTokenStore.Store", "OAuthTokenStore.Get", "OAuthTokenStore.Update");
        activities.Should().OnlyContain(a => a.ParentSpanId == recorder.Root.SpanId && a.Kind == ActivityKind.Internal);
        activities.Select(a => a.GetTagItem(OAuthSecretsTelemetry.UserIdTag)).Should().Equal("u-1", "u-1", "u-2");
        activities[0].Status.Should().Be(ActivityStatusCode.Unset);
        activities[2].Status.Should().Be(ActivityStatusCode.Error);
        activities[2].GetTagItem(OAuthSecretsTelemetry.ErrorTypeTag).Should().Be(typeof(OAuthTokenNotFoundException).FullName);
        activities.SelectMany(a => a.TagObjects).Select(t => t.Value?.ToString() ?? string.Empty)
            .Should().NotContain(v => v.Contains(AccessToken, StringComparison.Ordinal) || v.Contains(RefreshToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activities_CancelledInFlight_IsStoppedWithAnErrorStatusAndRecorded()
    {
        using var recorder = new ActivityRecorder();
        const string stored = """{"access_token":"ya29.old","refresh_token":"1//r","expires_at":"2026-11-25T06:00:00"}""";
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromResult(new SecretValue("gmail/user/u-1", null, "v1", stored, null)));
        client.PutSecretValueAsync(default!, default!, default!, default(string)!, default).ReturnsForAnyArgs(call => Hang.UntilCancelledAsync<SecretWriteResult>(call.ArgAt<CancellationToken>(4)));
        using var cts = new CancellationTokenSource();

        var update = CreateStore(client, _telemetry).UpdateAsync("u-1", Grant(), cts.Token);
        recorder.NotStopped.Should().ContainSingle("the update is in flight");
        await cts.CancelAsync();
        await FluentActions.Awaiting(() => update.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OperationCanceledException>();

        recorder.NotStopped.Should().BeEmpty();
        recorder.Stopped.Should().ContainSingle().Which.Status.Should().Be(ActivityStatusCode.Error);
        _durations.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[OAuthSecretsTelemetry.ErrorTypeTag].Should().BeOneOf(typeof(OperationCanceledException).FullName, typeof(TaskCanceledException).FullName);
    }
}

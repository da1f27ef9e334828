using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PayPulse.OAuthSecrets.Diagnostics;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Tests.Gmail;

namespace PayPulse.OAuthSecrets.Tests.Diagnostics;

public sealed class RefreshTelemetryTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly GmailTestHost _host = new();
    private readonly MetricCollector<long> _refreshes;
    private readonly MetricCollector<long> _writeBacks;

    public RefreshTelemetryTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _host.Telemetry = new OAuthSecretsTelemetry(meters);
        _host.Build();
        _refreshes = new MetricCollector<long>(meters, OAuthSecretsDiagnostics.MeterName, OAuthSecretsTelemetry.RefreshesName);
        _writeBacks = new MetricCollector<long>(meters, OAuthSecretsDiagnostics.MeterName, OAuthSecretsTelemetry.WriteBacksName);
    }

    public void Dispose()
    {
        _refreshes.Dispose();
        _writeBacks.Dispose();
        _host.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task Refresh_Succeeds_IsCountedAsRefreshed()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        await _host.Factory.CreateAsync("u-1");

        var measurement = _refreshes.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        measurement.Value.Should().Be(1);
        measurement.Tags[OAuthSecretsTelemetry.RefreshOutcomeTag].Should().Be("refreshed");
        measurement.Tags.Should().NotContainKey(OAuthSecretsTelemetry.ErrorTypeTag);
    }

    [Fact]
    public async Task Refresh_InvalidGrant_IsCountedAsRevoked()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.BadRequest, """{"error":"invalid_grant"}""");

        await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRevokedException>();

        var measurement = _refreshes.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        measurement.Tags[OAuthSecretsTelemetry.RefreshOutcomeTag].Should().Be("revoked");
        measurement.Tags[OAuthSecretsTelemetry.ErrorTypeTag].Should().Be("invalid_grant");
    }

    [Fact]
    public async Task Refresh_TransientFailureAfterEveryAttempt_IsCountedOnceAsFailedWithGooglesCode()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Always(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");

        await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>();

        var measurement = _refreshes.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        measurement.Tags[OAuthSecretsTelemetry.RefreshOutcomeTag].Should().Be("failed");
        measurement.Tags[OAuthSecretsTelemetry.ErrorTypeTag].Should().Be("temporarily_unavailable");
    }

    [Fact]
    public async Task Refresh_UnknownErrorCode_IsReportedAsOther()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.BadRequest, """{"error":"made_up_by_a_proxy"}""");

        await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>()
            .Where(e => e.ErrorCode == "made_up_by_a_proxy");

        _refreshes.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[OAuthSecretsTelemetry.ErrorTypeTag].Should().Be("_OTHER", "a tag never takes values the server chose");
    }

    [Fact]
    public async Task Refresh_Redirect_IsReportedAsRedirect()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.Found, "{}", ("Location", "https://elsewhere.example/token"));

        await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRefreshException>();

        _refreshes.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[OAuthSecretsTelemetry.ErrorTypeTag].Should().Be("redirect", "the library's own codes are allow-listed");
    }

    [Fact]
    public async Task Refresh_TokensRefreshedByAnotherProcess_IsCountedAsAlreadyRefreshed()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(30));
        var credential = await _host.Factory.CreateAsync("u-1");
        _host.Time.Advance(TimeSpan.FromMinutes(31));
        _host.Seed("u-1", TimeSpan.FromMinutes(60), accessToken: "ya29.from-another-lambda");

        (await credential.GetAccessTokenForRequestAsync()).Should().Be("ya29.from-another-lambda");

        _refreshes.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[OAuthSecretsTelemetry.RefreshOutcomeTag].Should().Be("already_refreshed");
    }

    [Fact]
    public async Task Refresh_SharedByConcurrentCallers_IsCountedOnce()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var release = new TaskCompletionSource();
        _host.TokenEndpoint.ThenHeld(release.Task, HttpStatusCode.OK, GmailTestHost.TokenJson());

        var calls = Enumerable.Range(0, 10).Select(_ => _host.Factory.CreateAsync("u-1")).ToList();
        await _host.TokenEndpoint.WaitForRequestsAsync(1);
        release.SetResult();
        await Task.WhenAll(calls);

        _refreshes.GetMeasurementSnapshot().Should().ContainSingle();
    }

    [Fact]
    public async Task Refresh_Activity_ParentsTheWriteBackAndNamesTheUser()
    {
        using var recorder = new ActivityRecorder();
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        await _host.Factory.CreateAsync("u-1");

        var activities = recorder.Stopped;
        var refresh = activities.Should().ContainSingle(a => a.OperationName == "GmailCredential.Refresh").Subject;
        refresh.GetTagItem(OAuthSecretsTelemetry.UserIdTag).Should().Be("u-1");
        activities.Should().ContainSingle(a => a.OperationName == "OAuthTokenStore.Update")
            .Which.ParentSpanId.Should().Be(refresh.SpanId);
    }

    [Fact]
    public async Task Refresh_Activity_FailedRefreshIsStoppedWithGooglesCode()
    {
        using var recorder = new ActivityRecorder();
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.BadRequest, """{"error":"invalid_grant"}""");

        await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthTokenRevokedException>();

        recorder.NotStopped.Should().BeEmpty();
        var refresh = recorder.Stopped.Should().ContainSingle(a => a.OperationName == "GmailCredential.Refresh").Subject;
        refresh.Status.Should().Be(System.Diagnostics.ActivityStatusCode.Error);
        refresh.GetTagItem(OAuthSecretsTelemetry.ErrorTypeTag).Should().Be("invalid_grant");
        recorder.Stopped.Should().ContainSingle(a => a.OperationName == "OAuthTokenStore.Delete")
            .Which.ParentSpanId.Should().Be(refresh.SpanId);
    }

    [Fact]
    public async Task WriteBack_WrittenAtTheFirstTry_IsCountedAsWritten()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        await _host.Factory.CreateAsync("u-1");

        _writeBacks.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[OAuthSecretsTelemetry.WriteBackOutcomeTag].Should().Be("written");
    }

    [Fact]
    public async Task WriteBack_AnotherGrantStoredMeanwhile_IsCountedAsSuperseded()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(async (_, _) =>
        {
            _host.Seed("u-1", TimeSpan.FromHours(1), accessToken: "ya29.reconnected", refreshToken: "1//reconnected");
            await Task.Yield();
            return ScriptedHttpHandler.Response(HttpStatusCode.OK, GmailTestHost.TokenJson());
        });

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.reconnected");
        _writeBacks.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[OAuthSecretsTelemetry.WriteBackOutcomeTag].Should().Be("superseded");
    }

    [Fact]
    public async Task WriteBack_Failing_IsCountedAsFailedWithTheExceptionType()
    {
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson());
        _host.Calls.FailPutsWith = new SecretsManagerException("throttled", SecretsManagerErrorKind.Throttled, "ThrottlingException", HttpStatusCode.BadRequest, null);

        (await _host.Factory.CreateAsync("u-1")).Token.AccessToken.Should().Be("ya29.refreshed");

        var measurement = _writeBacks.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        measurement.Tags[OAuthSecretsTelemetry.WriteBackOutcomeTag].Should().Be("failed");
        measurement.Tags[OAuthSecretsTelemetry.ErrorTypeTag].Should().Be(typeof(SecretsManagerException).FullName);
        _refreshes.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[OAuthSecretsTelemetry.RefreshOutcomeTag].Should().Be("refreshed", "the credential got its token");
    }
}

using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PayPulse.OAuthSecrets.Diagnostics;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Tests.Gmail;

namespace PayPulse.OAuthSecrets.Tests.Diagnostics;

/// <summary>
/// An invalid user id is refused with <see cref="ArgumentException"/> before anything is traced, measured or logged:
/// it never reaches an activity tag, a metric or a log entry.
/// </summary>
public sealed class InvalidUserIdTelemetryTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly GmailTestHost _host = new();
    private readonly MetricCollector<double> _durations;
    private readonly MetricCollector<long> _refreshes;
    private readonly MetricCollector<long> _writeBacks;

    public InvalidUserIdTelemetryTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _host.Telemetry = new OAuthSecretsTelemetry(meters);
        _host.Build();
        _durations = new MetricCollector<double>(meters, OAuthSecretsDiagnostics.MeterName, OAuthSecretsTelemetry.StoreDurationName);
        _refreshes = new MetricCollector<long>(meters, OAuthSecretsDiagnostics.MeterName, OAuthSecretsTelemetry.RefreshesName);
        _writeBacks = new MetricCollector<long>(meters, OAuthSecretsDiagnostics.MeterName, OAuthSecretsTelemetry.WriteBacksName);
    }

    public static TheoryData<string?, string> IdsAndOperations()
    {
        var data = new TheoryData<string?, string>();
        foreach (var id in new[] { "../x", "a b", new string('a', 200), string.Empty, null, "gmail/user/x", "x-abcdef" })
        {
            foreach (var operation in new[]
                     {
                         "GetAsync", "StoreAsync", "UpdateAsync", "UpdateRefreshedAsync", "DeleteAsync", "CreateAsync",
                         "RefreshForCredentialAsync", "RefreshAsync",
                     })
            {
                data.Add(id, operation);
            }
        }

        return data;
    }

    public void Dispose()
    {
        _durations.Dispose();
        _refreshes.Dispose();
        _writeBacks.Dispose();
        _host.Dispose();
        _services.Dispose();
    }

    [Theory]
    [MemberData(nameof(IdsAndOperations))]
    public async Task InvalidUserId_ThrowsArgumentException_WithNoActivityNoMetricAndNoLog(string? userId, string operation)
    {
        // A valid user's stored bundle, read before the listeners start, is the basis handed to the coordinator.
        _host.Seed("u-1", TimeSpan.FromMinutes(1));
        var basis = (await _host.Store.GetStoredAsync("u-1", CancellationToken.None))!;
        _host.TokenEndpoint.Always(HttpStatusCode.OK, GmailTestHost.TokenJson());
        _host.Logs.Clear();
        _durations.Clear();
        using var activities = new ActivityRecorder();
        var grant = new OAuthTokenGrant("ya29.a", "1//r", TimeSpan.FromHours(1));
        var id = userId!;

        Func<Task> act = operation switch
        {
            "GetAsync" => () => _host.Store.GetAsync(id),
            "StoreAsync" => () => _host.Store.StoreAsync(id, grant, new GoogleUserInfo("1", "a@example.com")),
            "UpdateAsync" => () => _host.Store.UpdateAsync(id, grant),
            "UpdateRefreshedAsync" => () => _host.Store.UpdateRefreshedAsync(id, "1//stored-refresh", grant),
            "DeleteAsync" => () => _host.Store.DeleteAsync(id),
            "CreateAsync" => () => _host.Factory.CreateAsync(id),
            "RefreshForCredentialAsync" => () => _host.Coordinator.RefreshForCredentialAsync(id, "ya29.stored", CancellationToken.None),
            _ => () => _host.Coordinator.RefreshAsync(id, basis, CancellationToken.None),
        };

        var thrown = (await act.Should().ThrowAsync<ArgumentException>()).Which;

        thrown.ParamName.Should().Be("userId");
        activities.Stopped.Should().BeEmpty();
        activities.NotStopped.Should().BeEmpty();
        _durations.GetMeasurementSnapshot().Should().BeEmpty();
        _refreshes.GetMeasurementSnapshot().Should().BeEmpty();
        _writeBacks.GetMeasurementSnapshot().Should().BeEmpty();
        _host.Logs.GetSnapshot().Should().BeEmpty();
        _host.TokenEndpoint.Requests.Should().BeEmpty();
        _host.Calls["Put"].Should().Be(0);
        _host.Calls["Delete"].Should().Be(0);
    }

    [Fact]
    public async Task ValidUserId_IsStillTracedMeasuredAndLogged()
    {
        using var activities = new ActivityRecorder();

        await _host.Store.GetAsync("u-1");

        activities.Stopped.Should().ContainSingle().Which.GetTagItem(OAuthSecretsTelemetry.UserIdTag).Should().Be("u-1");
        _durations.GetMeasurementSnapshot().Should().ContainSingle();
        _host.Logs.GetSnapshot().Should().NotBeEmpty();
    }
}

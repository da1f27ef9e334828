using Microsoft.Extensions.Logging.Abstractions;
using PayPulse.OAuthSecrets.Internal.Gmail;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Gmail;

public sealed class GoogleClientIdProviderTests
{
    private const string SecretName = "Google-OAuth-Client-ID";
    private const string ClientId = "ios-client.apps.googleusercontent.com";

    private readonly ObservedTimeProvider _time = new(GmailTestHost.Start);
    private readonly ISecretsManagerClient _client = Substitute.For<ISecretsManagerClient>();
    private readonly OAuthSecretsOptions _options = new()
    {
        UseInProcessSecretStore = true,
        GoogleClientId = null,
        RefreshTimeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task GetAsync_SecretReadHangs_TimesOutOnTheLibrarysClockAsATypedTransientError()
    {
        _client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(
            call => Hang.UntilCancelledAsync<SecretValue>(call.ArgAt<CancellationToken>(1)),
            _ => Task.FromResult(new SecretValue(SecretName, null, "v1", ClientId, null)));
        var provider = CreateProvider();

        var first = provider.GetAsync(CancellationToken.None);
        await _time.WaitForTimerAsync(_options.RefreshTimeout);
        first.IsCompleted.Should().BeFalse("the read is still waiting");
        _time.Advance(_options.RefreshTimeout);

        var ex = (await FluentActions.Awaiting(() => first.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<SecretsManagerException>()).Which;
        ex.Kind.Should().Be(SecretsManagerErrorKind.Timeout);
        ex.IsTransient.Should().BeTrue();
        ex.Message.Should().Contain(SecretName);
        (await provider.GetAsync(CancellationToken.None)).Should().Be(ClientId, "a failed read is not cached");
    }

    [Fact]
    public async Task GetAsync_OneCallerCancels_TheSharedReadGoesOnForTheOthers()
    {
        var release = new TaskCompletionSource<SecretValue>();
        _client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(release.Task);
        var provider = CreateProvider();
        using var impatient = new CancellationTokenSource();

        var cancelled = provider.GetAsync(impatient.Token);
        var patient = provider.GetAsync(CancellationToken.None);
        await impatient.CancelAsync();
        release.SetResult(new SecretValue(SecretName, null, "v1", " " + ClientId + "\n", null));

        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        (await patient).Should().Be(ClientId);
        (await provider.GetAsync(CancellationToken.None)).Should().Be(ClientId);
        await _client.ReceivedWithAnyArgs(1).GetSecretValueAsync(default!, default);
    }

    [Fact]
    public async Task GetAsync_ClientIdInOptions_ReadsNoSecret()
    {
        _options.GoogleClientId = " " + ClientId;

        (await CreateProvider().GetAsync(CancellationToken.None)).Should().Be(ClientId);
        _client.ReceivedCalls().Should().BeEmpty();
    }

    private GoogleClientIdProvider CreateProvider() => new(_client, _options, _time, NullLogger.Instance);
}

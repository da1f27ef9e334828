using System.Text.Json;
using Microsoft.Extensions.Logging.Testing;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Store;

/// <summary>A token store over the in-process secret store, with a fake clock, call counts and captured logs.</summary>
public abstract class TokenStoreTestBase
{
    protected const string AccessToken = "ya29.access-token-SECRET";
    protected const string RefreshToken = "1//refresh-token-SECRET";
    protected static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 25, 5, 3, 4, 123, TimeSpan.Zero).AddTicks(4567);
    protected static readonly GoogleUserInfo Alice = new("111", "alice@example.com", "Alice", VerifiedEmail: true);
    protected static readonly GoogleUserInfo Bob = new("222", "bob@example.com", "Bob");

    protected TokenStoreTestBase()
    {
        Secrets = new InProcessSecretStore(Time);
        Calls = new CountingSecretsManagerClient(Secrets);
    }

    protected ObservedTimeProvider Time { get; } = new(Now);

    protected InProcessSecretStore Secrets { get; }

    private protected CountingSecretsManagerClient Calls { get; }

    private protected FakeLogger<SecretsManagerOAuthTokenStore> Logger { get; } = new();

    protected OAuthSecretsOptions Options { get; } = new() { UseInProcessSecretStore = true };

    private protected SecretsManagerOAuthTokenStore CreateStore(ISecretsManagerClient? client = null, OAuthSecretsTelemetry? telemetry = null) =>
        new(client ?? Calls, Microsoft.Extensions.Options.Options.Create(Options), Time, Logger, telemetry);

    protected static OAuthTokenGrant Grant(string access = AccessToken, string? refresh = RefreshToken, int seconds = 3599, string? scope = null) =>
        new(access, refresh, TimeSpan.FromSeconds(seconds), scope);

    protected JsonElement StoredJson(string userId) =>
        JsonDocument.Parse(Secrets.GetSecretString("gmail/user/" + userId) ?? throw new InvalidOperationException("no secret")).RootElement.Clone();

    protected static string[] Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();
}

using System.Text;
using System.Web;
using Microsoft.Extensions.Logging.Testing;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.Gmail;

namespace PayPulse.OAuthSecrets.Tests.Gmail;

/// <summary>
/// The credential factory wired as in production, over the in-process secret store and a scripted token endpoint,
/// with a fake clock and captured logs.
/// </summary>
internal sealed class GmailTestHost : IDisposable
{
    public const string ClientId = "ios-client.apps.googleusercontent.com";
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 5, 0, 0, TimeSpan.Zero);

    private GoogleTokenRefresher? _refresher;

    public GmailTestHost()
    {
        Secrets = new InProcessSecretStore(Time);
        Calls = new CountingSecretsManagerClient(Secrets);
    }

    public ObservedTimeProvider Time { get; } = new(Start);

    public InProcessSecretStore Secrets { get; }

    public CountingSecretsManagerClient Calls { get; }

    public ScriptedHttpHandler TokenEndpoint { get; } = new();

    public FakeLogCollector Logs { get; } = new();

    public OAuthSecretsOptions Options { get; } = new()
    {
        UseInProcessSecretStore = true,
        GoogleClientId = ClientId,
        TokenEndpoint = new Uri("https://oauth2.example.test/token"),
        RetryBaseDelay = TimeSpan.Zero,
    };

    public double Jitter { get; set; }

    public OAuthSecretsTelemetry Telemetry { get; set; } = OAuthSecretsTelemetry.ActivitiesOnly;

    public SecretsManagerOAuthTokenStore Store { get; private set; } = null!;

    public UserRefreshCoordinator Coordinator { get; private set; } = null!;

    public GmailCredentialFactory Factory { get; private set; } = null!;

    /// <summary>Builds the services from <see cref="Options"/>; call after changing options.</summary>
    public GmailTestHost Build()
    {
        var logger = new FakeLogger(Logs);
        Store = new SecretsManagerOAuthTokenStore(Calls, Microsoft.Extensions.Options.Options.Create(Options), Time, new FakeLogger<SecretsManagerOAuthTokenStore>(Logs), Telemetry);
        var clientIds = new GoogleClientIdProvider(Calls, Options, Time, logger);
        _refresher = new GoogleTokenRefresher(clientIds, Options, Time, logger, () => new ForwardingHandler(TokenEndpoint), () => Jitter);
        Coordinator = new UserRefreshCoordinator(Store, _refresher, Options, Time, logger, Telemetry);
        Factory = new GmailCredentialFactory(Store, _refresher, Coordinator, Options, Time);
        return this;
    }

    /// <summary>Stores a bundle for the user that expires <paramref name="expiresIn"/> from now.</summary>
    public void Seed(string userId, TimeSpan expiresIn, string accessToken = "ya29.stored", string? refreshToken = "1//stored-refresh", string extra = "")
    {
        var now = Time.GetUtcNow();
        var json = new StringBuilder()
            .Append("{\"access_token\":\"").Append(accessToken).Append('"')
            .Append(",\"refresh_token\":").Append(refreshToken is null ? "null" : "\"" + refreshToken + "\"")
            .Append(",\"expires_at\":\"").Append((now + expiresIn).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture)).Append('"')
            .Append(",\"expires_in\":3599,\"scope\":\"https://www.googleapis.com/auth/gmail.readonly openid\",\"token_type\":\"Bearer\"")
            .Append(",\"created_at\":\"").Append(now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture)).Append('"')
            .Append(",\"google_user_id\":\"111\",\"google_email\":\"alice@example.com\",\"google_name\":\"Alice\",\"google_verified_email\":true")
            .Append(extra)
            .Append('}');
        Secrets.SetSecretString("gmail/user/" + userId, json.ToString());
    }

    public static string TokenJson(string accessToken = "ya29.refreshed", int expiresIn = 3599, string? refreshToken = null, string? scope = "https://www.googleapis.com/auth/gmail.readonly") =>
        "{\"access_token\":\"" + accessToken + "\",\"expires_in\":" + expiresIn + ",\"token_type\":\"Bearer\"" +
        (scope is null ? string.Empty : ",\"scope\":\"" + scope + "\"") +
        (refreshToken is null ? string.Empty : ",\"refresh_token\":\"" + refreshToken + "\"") + "}";

    public static IDictionary<string, string> Form(RecordedRequest request)
    {
        var parsed = HttpUtility.ParseQueryString(request.Body);
        return parsed.AllKeys.ToDictionary(k => k!, k => parsed[k]!, StringComparer.Ordinal);
    }

    public void Dispose()
    {
        _refresher?.Dispose();
        TokenEndpoint.Dispose();
    }
}

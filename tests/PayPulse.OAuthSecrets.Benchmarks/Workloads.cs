using System.Net;
using System.Text;
using System.Text.Json;
using Amazon;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using PayPulse.OAuthSecrets.Gmail;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Benchmarks;

/// <summary>The hot paths measured, set up once: no network, so the numbers are the library's own cost.</summary>
internal sealed class Workloads : IDisposable
{
    public const string PythonBundle =
        """{"access_token": "ya29.a0AfB_byC-benchmark-access-token-0123456789abcdefghijklmnopqrstuvwxyz", "refresh_token": "1//0gBenchmarkRefreshToken-0123456789abcdefghijklmnopqrstuvwxyz", "expires_at": "2026-11-25T06:03:03.123456", "expires_in": 3599, "scope": "https://www.googleapis.com/auth/gmail.readonly", "token_type": "Bearer", "created_at": "2026-11-25T05:03:04.123456", "google_user_id": "104857600000000000001", "google_email": "alice@example.com", "google_name": "Alice", "google_verified_email": true, "last_history_id": "8812345"}""";

    /// <summary>What <see cref="Baseline"/> does, for the report.</summary>
    public const string BaselineDescription = "System.Text.Json's JsonDocument reading the access token of the same Python-written bundle";

    private readonly ServiceProvider _services;
    private readonly HttpClient _http;

    public Workloads()
    {
        Document = TokenBundleDocument.Parse("gmail/user/bench", PythonBundle, "scope");
        _services = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o =>
            {
                o.UseInProcessSecretStore = true;
                o.GoogleClientId = "bench.apps.googleusercontent.com";
                o.RefreshBeforeExpiry = TimeSpan.Zero;
            })
            .BuildServiceProvider();
        Store = _services.GetRequiredService<IOAuthTokenStore>();
        Credentials = _services.GetRequiredService<IGmailCredentialFactory>();
        Store.StoreAsync("bench", new OAuthTokenGrant("ya29.bench", "1//bench", TimeSpan.FromHours(24))).GetAwaiter().GetResult();

        var response = Encoding.UTF8.GetBytes($$"""{"ARN":"arn:aws:secretsmanager:us-east-1:1:secret:gmail/user/bench-AbCdEf","Name":"gmail/user/bench","VersionId":"v","SecretString":{{System.Text.Json.JsonSerializer.Serialize(PythonBundle)}},"VersionStages":["AWSCURRENT"],"CreatedDate":1798174194.358783}""");
        _http = new HttpClient(new CannedHandler(response));
        Client = new SecretsManagerClient(
            _http,
            new SecretsManagerEndpoint(new Uri("https://secretsmanager.us-east-1.amazonaws.com/"), RegionEndpoint.USEast1),
            new OAuthSecretsOptions { Region = "us-east-1", Credentials = new SessionAWSCredentials("AKIDEXAMPLE", "secret", "token") });
    }

    public TokenBundleDocument Document { get; }

    /// <summary>
    /// The baseline the time targets of <c>--check</c> are ratios to: framework code only, of the same kind as the paths
    /// (JSON over the same bundle), so a busy machine slows it as it slows them.
    /// </summary>
    public static string? Baseline()
    {
        using var document = JsonDocument.Parse(PythonBundle);
        return document.RootElement.GetProperty("access_token").GetString();
    }

    public IOAuthTokenStore Store { get; }

    public IGmailCredentialFactory Credentials { get; }

    public SecretsManagerClient Client { get; }

    public void Dispose()
    {
        _http.Dispose();
        _services.Dispose();
    }

    private sealed class CannedHandler(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) });
    }
}

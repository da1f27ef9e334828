using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PayPulse.OAuthSecrets.Gmail;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Benchmarks;

/// <summary>
/// A measuring program for the Secrets Manager calls each operation makes, path by path (warm, cold, expiring,
/// conflict), counted at the library's Secrets Manager seam over the in-process store. The other writer of the conflict
/// paths is a plain put made between the write-back's put and its stage move, as a Python Lambda's write would land;
/// its own call is not counted. Prints a Markdown table.
/// </summary>
internal static class CallCounts
{
    private const string User = "calls";
    private const string Name = "gmail/user/" + User;

    public static async Task<int> RunAsync()
    {
        var rows = new List<(string Path, Counts Counts, int Google)>
        {
            await MeasureAsync("`GetAsync`, warm (known to this process, not expiring)", Seed.Valid, warm: true, static s => s.Store.GetAsync(User)),
            await MeasureAsync("`GetAsync`, cold", Seed.Valid, warm: false, static s => s.Store.GetAsync(User)),
            await MeasureAsync("`CreateAsync`, warm", Seed.Valid, warm: true, static s => s.Credentials.CreateAsync(User)),
            await MeasureAsync("`CreateAsync`, cold", Seed.Valid, warm: false, static s => s.Credentials.CreateAsync(User)),
            await MeasureAsync("`CreateAsync`, expiring: refresh and write-back", Seed.Expiring, warm: false, static s => s.Credentials.CreateAsync(User)),
            await MeasureAsync("`CreateAsync`, expiring, conflict with the same grant (merged)", Seed.Expiring, warm: false, static s => s.Credentials.CreateAsync(User), Conflict.SameGrant),
            await MeasureAsync("`CreateAsync`, expiring, conflict with another grant (reconnect kept)", Seed.Expiring, warm: false, static s => s.Credentials.CreateAsync(User), Conflict.OtherGrant),
            await MeasureAsync("`CreateAsync`, `invalid_grant` (secret deleted)", Seed.Expiring, warm: false, static s => Revoked(s), google: GoogleAnswer.InvalidGrant),
            await MeasureAsync("`StoreAsync`, new user", Seed.None, warm: false, static s => s.Store.StoreAsync(User, Grant("1//new"))),
            await MeasureAsync("`StoreAsync`, reconnect with a refresh token", Seed.Valid, warm: true, static s => s.Store.StoreAsync(User, Grant("1//new"))),
            await MeasureAsync("`StoreAsync`, reconnect without one (keeps the stored one)", Seed.Valid, warm: true, static s => s.Store.StoreAsync(User, Grant(null))),
            await MeasureAsync("`UpdateAsync`, warm", Seed.Valid, warm: true, static s => s.Store.UpdateAsync(User, Grant(null))),
            await MeasureAsync("`UpdateAsync`, cold", Seed.Valid, warm: false, static s => s.Store.UpdateAsync(User, Grant(null))),
            await MeasureAsync("`UpdateAsync`, conflict with the same grant", Seed.Valid, warm: true, static s => s.Store.UpdateAsync(User, Grant(null)), Conflict.SameGrant),
            await MeasureAsync("`DeleteAsync`", Seed.Valid, warm: false, static s => s.Store.DeleteAsync(User)),
        };

        Console.WriteLine("| Path | GetSecretValue | PutSecretValue | UpdateSecretVersionStage | CreateSecret | DeleteSecret | Writes (50/s quota) | Google |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (path, counts, google) in rows)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {path} | {counts.Get} | {counts.Put} | {counts.Stage} | {counts.Create} | {counts.Delete} | {counts.Put + counts.Stage} | {google} |"));
        }

        return 0;
    }

    private static async Task Revoked(Setup setup)
    {
        try
        {
            await setup.Credentials.CreateAsync(User);
            throw new InvalidOperationException("invalid_grant was expected");
        }
        catch (OAuthTokenRevokedException ex) when (ex.SecretDeleted)
        {
        }
    }

    private static OAuthTokenGrant Grant(string? refreshToken) => new("ya29.new", refreshToken, TimeSpan.FromHours(1));

    private static async Task<(string, Counts, int)> MeasureAsync(
        string path, Seed seed, bool warm, Func<Setup, Task> operation, Conflict conflict = Conflict.None, GoogleAnswer google = GoogleAnswer.Refreshed)
    {
        using var setup = new Setup(google);
        if (seed != Seed.None)
        {
            setup.Inner.SetSecretString(Name, Bundle(setup.Time.GetUtcNow(), seed == Seed.Expiring ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(50), "1//stored"));
        }

        if (warm)
        {
            await setup.Store.GetAsync(User);
        }

        setup.Counting.Reset();
        setup.Counting.BeforeStageMove = conflict switch
        {
            Conflict.SameGrant => Once(() => setup.Inner.SetSecretString(Name, Bundle(setup.Time.GetUtcNow(), TimeSpan.FromMinutes(30), "1//stored", "ya29.other-writer"))),
            Conflict.OtherGrant => Once(() => setup.Inner.SetSecretString(Name, Bundle(setup.Time.GetUtcNow(), TimeSpan.FromMinutes(60), "1//reconnected", "ya29.reconnected"))),
            _ => null,
        };
        await operation(setup);
        return (path, setup.Counting.Snapshot(), setup.Google.Requests);
    }

    private static Action Once(Action action)
    {
        var done = 0;
        return () =>
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                action();
            }
        };
    }

    private static string Bundle(DateTimeOffset now, TimeSpan left, string refreshToken, string accessToken = "ya29.stored") =>
        new JsonObject
        {
            ["access_token"] = accessToken,
            ["refresh_token"] = refreshToken,
            ["expires_at"] = (now + left).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            ["expires_in"] = 3599,
            ["scope"] = "https://www.googleapis.com/auth/gmail.readonly",
            ["token_type"] = "Bearer",
            ["created_at"] = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        }.ToJsonString();

    private enum Seed
    {
        None,
        Valid,
        Expiring,
    }

    private enum Conflict
    {
        None,
        SameGrant,
        OtherGrant,
    }

    private enum GoogleAnswer
    {
        Refreshed,
        InvalidGrant,
    }

    private readonly record struct Counts(int Get, int Put, int Stage, int Create, int Delete);

    /// <summary>One container of the library over a counted in-process store and a canned token endpoint.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly ServiceProvider _services;

        public Setup(GoogleAnswer answer)
        {
            Inner = new InProcessSecretStore(Time);
            Counting = new CountingClient(Inner);
            Google = new TokenEndpoint(answer);
            var services = new ServiceCollection();
            services.AddSingleton(TimeProvider.System);
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<ISecretsManagerClient>(Counting);
            services.AddPayPulseOAuthSecrets(o =>
            {
                o.UseInProcessSecretStore = true;
                o.GoogleClientId = "calls.apps.googleusercontent.com";
            });
            services.AddHttpClient(OAuthSecretsHttpClientNames.GoogleTokenEndpoint).ConfigurePrimaryHttpMessageHandler(() => Google);
            _services = services.BuildServiceProvider();
            Store = _services.GetRequiredService<IOAuthTokenStore>();
            Credentials = _services.GetRequiredService<IGmailCredentialFactory>();
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));

        public InProcessSecretStore Inner { get; }

        public CountingClient Counting { get; }

        public TokenEndpoint Google { get; }

        public IOAuthTokenStore Store { get; }

        public IGmailCredentialFactory Credentials { get; }

        public void Dispose() => _services.Dispose();
    }

    /// <summary>Google's token endpoint, canned: a new access token, or <c>invalid_grant</c>.</summary>
    private sealed class TokenEndpoint(GoogleAnswer answer) : HttpMessageHandler
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            var (status, body) = answer == GoogleAnswer.InvalidGrant
                ? (HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}""")
                : (HttpStatusCode.OK, """{"access_token":"ya29.refreshed","expires_in":3599,"token_type":"Bearer"}""");
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }

    /// <summary>Counts each call by operation before passing it on.</summary>
    private sealed class CountingClient(ISecretsManagerClient inner) : ISecretsManagerClient
    {
        private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

        public Action? BeforeStageMove { get; set; }

        public void Reset() => _calls.Clear();

        public Counts Snapshot() => new(Get("Get"), Get("Put"), Get("Stage"), Get("Create"), Get("Delete"));

        public Task<SecretValue> GetSecretValueAsync(string secretId, CancellationToken cancellationToken = default)
        {
            Count("Get");
            return inner.GetSecretValueAsync(secretId, cancellationToken);
        }

        public Task<SecretWriteResult> CreateSecretAsync(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken = default)
        {
            Count("Create");
            return inner.CreateSecretAsync(secret, clientRequestToken, cancellationToken);
        }

        public Task<SecretWriteResult> PutSecretValueAsync(string secretId, string secretString, string clientRequestToken, CancellationToken cancellationToken = default)
        {
            Count("Put");
            return inner.PutSecretValueAsync(secretId, secretString, clientRequestToken, cancellationToken);
        }

        public Task<SecretWriteResult> PutSecretValueAsync(
            string secretId, string secretString, string clientRequestToken, string versionStage, CancellationToken cancellationToken = default)
        {
            Count("Put");
            return inner.PutSecretValueAsync(secretId, secretString, clientRequestToken, versionStage, cancellationToken);
        }

        public Task UpdateSecretVersionStageAsync(
            string secretId, string versionStage, string moveToVersionId, string removeFromVersionId, CancellationToken cancellationToken = default)
        {
            Count("Stage");
            BeforeStageMove?.Invoke();
            return inner.UpdateSecretVersionStageAsync(secretId, versionStage, moveToVersionId, removeFromVersionId, cancellationToken);
        }

        public Task DeleteSecretAsync(string secretId, bool forceDeleteWithoutRecovery = true, CancellationToken cancellationToken = default)
        {
            Count("Delete");
            return inner.DeleteSecretAsync(secretId, forceDeleteWithoutRecovery, cancellationToken);
        }

        public Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellationToken = default)
        {
            Count("Describe");
            return inner.DescribeSecretAsync(secretId, cancellationToken);
        }

        public Task<SecretListPage> ListSecretsAsync(string namePrefix, string? nextToken, CancellationToken cancellationToken = default)
        {
            Count("List");
            return inner.ListSecretsAsync(namePrefix, nextToken, cancellationToken);
        }

        private int Get(string operation) => _calls.GetValueOrDefault(operation);

        private void Count(string operation) => _calls.AddOrUpdate(operation, 1, static (_, n) => n + 1);
    }
}

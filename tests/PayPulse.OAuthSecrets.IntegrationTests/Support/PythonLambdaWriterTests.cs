using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

[Collection(MotoCollection.Name)]
public sealed class PythonLambdaWriterTests : IAsyncLifetime
{
    private const string Email = "writer.user@example.com";
    private const string Name = "Writer User";
    private const string TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff";

    private static readonly string[] _documentedKeys =
    [
        "access_token", "refresh_token", "expires_at", "expires_in", "scope", "token_type", "created_at",
        "google_user_id", "google_email", "google_name", "google_verified_email",
    ];

    private readonly MotoFixture _fixture;
    private readonly HttpClient _http = RawAwsJsonRequest.CreateClient();
    private readonly List<string> _secrets = [];
    private readonly List<RotatingOAuthServer> _servers = [];
    private PythonLambdaWriter? _writer;

    public PythonLambdaWriterTests(MotoFixture fixture)
    {
        _fixture = fixture;
    }

    private PythonLambdaWriter Writer => _writer!;

    public async Task InitializeAsync() => _writer = await PythonLambdaWriter.StartAsync(_fixture.ServiceUrl);

    public async Task DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (var secret in _secrets)
        {
            var body = new JsonObject { ["SecretId"] = secret, ["ForceDeleteWithoutRecovery"] = true }.ToJsonString();
            using var _ = await RawAwsJsonRequest.PostAsync(_http, _fixture.ServiceUrl, "secretsmanager.DeleteSecret", body);
        }

        _http.Dispose();
    }

    [Fact]
    public async Task SendAsync_BadCommands_AreReportedAndTheLoopGoesOn()
    {
        var unknown = await Writer.SendAsync(new { op = "no_such_op" });
        var missingField = await Writer.SendAsync(new { op = "reconnect", secret = NewSecret() });

        unknown.GetProperty("ok").GetBoolean().Should().BeFalse();
        unknown.GetProperty("error").GetString().Should().Be("unknown_op");
        missingField.GetProperty("ok").GetBoolean().Should().BeFalse();
        missingField.GetProperty("error").GetString().Should().Be("KeyError");
        missingField.GetProperty("message").GetString().Should().Contain("access_token");
        // stderr is another pipe, read on its own: the traceback can land a moment after the answer.
        await Eventually.WaitUntilAsync(() => Writer.RecentStderr.Contains("KeyError", StringComparison.Ordinal), "the traceback is on stderr");
        (await Writer.PingAsync()).GetProperty("ok").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Reconnect_NewSecret_CreatesItWithTheDocumentedKeysThenPutsOverIt()
    {
        var secret = NewSecret();

        var created = await Writer.ReconnectAsync(secret, "ya29.first", "1//first", "109876543210987654321", Email, Name);
        var put = await Writer.ReconnectAsync(secret, "ya29.second", "1//second", "109876543210987654321", Email, Name);
        var read = await Writer.ReadAsync(secret);

        created.GetProperty("ok").GetBoolean().Should().BeTrue();
        created.GetProperty("operation").GetString().Should().Be("create_secret");
        put.GetProperty("operation").GetString().Should().Be("put_secret_value");
        read.GetProperty("not_found").GetBoolean().Should().BeFalse();
        read.GetProperty("refresh_token_key_present").GetBoolean().Should().BeTrue();
        read.GetProperty("version_id").GetString().Should().Be(put.GetProperty("version_id").GetString());
        var document = read.GetProperty("document");
        Keys(document).Should().Equal(_documentedKeys);
        document.GetProperty("access_token").GetString().Should().Be("ya29.second");
        document.GetProperty("refresh_token").GetString().Should().Be("1//second");
        document.GetProperty("expires_in").GetInt32().Should().Be(3599);
        document.GetProperty("scope").GetString().Should().Be(GoogleTokenResponses.GmailReadonlyScope);
        document.GetProperty("token_type").GetString().Should().Be("Bearer");
        document.GetProperty("google_user_id").GetString().Should().Be("109876543210987654321");
        document.GetProperty("google_email").GetString().Should().Be(Email);
        document.GetProperty("google_name").GetString().Should().Be(Name);
        document.GetProperty("google_verified_email").GetBoolean().Should().BeTrue();
        var lifetime = Timestamp(document, "expires_at") - Timestamp(document, "created_at");
        lifetime.Should().BeCloseTo(TimeSpan.FromSeconds(3599), TimeSpan.FromSeconds(2));
        Timestamp(document, "created_at").Should().BeCloseTo(DateTime.UtcNow, TimeSpan.FromMinutes(1), "the timestamps are naive UTC");
    }

    [Fact]
    public async Task Reconnect_NullRefreshToken_LeavesTheKeyOut()
    {
        var secret = NewSecret();

        var written = await Writer.ReconnectAsync(secret, "ya29.only-access", refreshToken: null, "1234", Email, Name);
        var read = await Writer.ReadAsync(secret);

        Keys(written.GetProperty("document")).Should().Equal(_documentedKeys.Where(key => key != "refresh_token"));
        Keys(read.GetProperty("document")).Should().NotContain("refresh_token");
        read.GetProperty("refresh_token_key_present").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Refresh_RotatingServer_RebuildsTheDocumentAndStoresTheRotatedRefreshToken()
    {
        var server = StartServer();
        var grant = server.Connect("5550001");
        var secret = NewSecret();
        await CreateRawAsync(secret, new JsonObject
        {
            ["access_token"] = grant.AccessToken,
            ["refresh_token"] = grant.RefreshToken,
            ["expires_at"] = "2020-01-01T00:00:00.000000",
            ["expires_in"] = 3599,
            ["scope"] = "stale scope",
            ["token_type"] = "Bearer",
            ["created_at"] = "2020-01-01T00:00:00",
            ["google_user_id"] = grant.GoogleUserId,
            ["python_only_key"] = new JsonObject { ["nested"] = new JsonArray(1, 2) },
        });

        var refreshed = await Writer.RefreshAsync(secret, server);

        refreshed.GetProperty("ok").GetBoolean().Should().BeTrue();
        refreshed.GetProperty("status").GetInt32().Should().Be(200);
        refreshed.GetProperty("wrote").GetBoolean().Should().BeTrue();
        refreshed.GetProperty("error").ValueKind.Should().Be(JsonValueKind.Null);
        var document = (await Writer.ReadAsync(secret)).GetProperty("document");
        Keys(document).Should().Equal(_documentedKeys, "the document is rebuilt from scratch: python_only_key is dropped");
        var accessToken = document.GetProperty("access_token").GetString()!;
        var refreshToken = document.GetProperty("refresh_token").GetString()!;
        accessToken.Should().StartWith($"at.{grant.GrantId}.2.");
        refreshToken.Should().StartWith($"rt.{grant.GrantId}.2.");
        server.IsLive(refreshToken).Should().BeTrue();
        server.IsConsumed(grant.RefreshToken).Should().BeTrue();
        document.GetProperty("scope").GetString().Should().Be(GoogleTokenResponses.GmailReadonlyScope);
        document.GetProperty("google_user_id").GetString().Should().Be(grant.GoogleUserId);
        document.GetProperty("google_email").GetString().Should().BeEmpty();
        document.GetProperty("google_name").GetString().Should().BeEmpty();
        document.GetProperty("google_verified_email").GetBoolean().Should().BeFalse();
        Timestamp(document, "expires_at").Should().BeCloseTo(DateTime.UtcNow.AddSeconds(3599), TimeSpan.FromMinutes(1));
        var request = server.Requests.Should().ContainSingle().Subject;
        request.Form.Should().Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = grant.RefreshToken,
            ["client_id"] = server.ClientId,
        });
    }

    [Fact]
    public async Task Refresh_RotationOff_KeepsTheStoredRefreshTokenAndTheGoogleFields()
    {
        var server = StartServer(new RotatingOAuthServerOptions { RotateRefreshTokens = false });
        var grant = server.Connect("5550002");
        var secret = NewSecret();
        await Writer.ReconnectAsync(secret, grant, Email, Name);

        var first = await Writer.RefreshAsync(secret, server);
        var second = await Writer.RefreshAsync(secret, server);

        first.GetProperty("wrote").GetBoolean().Should().BeTrue();
        second.GetProperty("wrote").GetBoolean().Should().BeTrue();
        var document = (await Writer.ReadAsync(secret)).GetProperty("document");
        document.GetProperty("refresh_token").GetString().Should().Be(grant.RefreshToken);
        document.GetProperty("access_token").GetString().Should().StartWith($"at.{grant.GrantId}.3.");
        document.GetProperty("google_email").GetString().Should().Be(Email);
        document.GetProperty("google_name").GetString().Should().Be(Name);
        document.GetProperty("google_verified_email").GetBoolean().Should().BeTrue();
        server.RefreshCount.Should().Be(2);
    }

    [Fact]
    public async Task Refresh_StaleRefreshTokenRestored_IsReuseThatRevokesTheGrantAndWritesNothing()
    {
        var server = StartServer();
        var grant = server.Connect("5550003");
        var secret = NewSecret();
        await Writer.ReconnectAsync(secret, grant, Email, Name);
        (await Writer.RefreshAsync(secret, server)).GetProperty("wrote").GetBoolean().Should().BeTrue();

        // A writer that read the bundle before the refresh puts the consumed refresh token back.
        var stale = await Writer.ReconnectAsync(secret, grant, Email, Name);
        var reused = await Writer.RefreshAsync(secret, server);

        reused.GetProperty("ok").GetBoolean().Should().BeTrue();
        reused.GetProperty("status").GetInt32().Should().Be(400);
        reused.GetProperty("wrote").GetBoolean().Should().BeFalse();
        reused.GetProperty("error").GetString().Should().Be("invalid_grant");
        server.IsRevoked(grant.GrantId).Should().BeTrue();
        server.ReuseDetections.Should().Be(1);
        var read = await Writer.ReadAsync(secret);
        read.GetProperty("version_id").GetString().Should().Be(stale.GetProperty("version_id").GetString());
        read.GetProperty("document").GetProperty("refresh_token").GetString().Should().Be(grant.RefreshToken);
    }

    [Fact]
    public async Task Refresh_InvalidClient_ReportsItAndWritesNothing()
    {
        var server = StartServer();
        var grant = server.Connect("5550004");
        var secret = NewSecret();
        await Writer.ReconnectAsync(secret, grant, Email, Name);

        var answer = await Writer.RefreshAsync(secret, server.TokenUri, "someone-else.apps.googleusercontent.com");

        answer.GetProperty("status").GetInt32().Should().Be((int)HttpStatusCode.Unauthorized);
        answer.GetProperty("error").GetString().Should().Be("invalid_client");
        answer.GetProperty("wrote").GetBoolean().Should().BeFalse();
        server.IsLive(grant.RefreshToken).Should().BeTrue();
    }

    [Fact]
    public async Task Refresh_NoRefreshTokenKeyOrNoSecret_FailsLikeTheLambdaAndTheLoopGoesOn()
    {
        var server = StartServer();
        var secret = NewSecret();
        await Writer.ReconnectAsync(secret, "ya29.only-access", refreshToken: null, "1234", Email, Name);

        var noKey = await Writer.RefreshAsync(secret, server);
        var noSecret = await Writer.RefreshAsync(NewSecret(), server);

        noKey.GetProperty("ok").GetBoolean().Should().BeFalse();
        noKey.GetProperty("error").GetString().Should().Be("KeyError");
        noSecret.GetProperty("ok").GetBoolean().Should().BeFalse();
        noSecret.GetProperty("error").GetString().Should().Be("ResourceNotFoundException");
        server.RequestCount.Should().Be(0);
        (await Writer.PingAsync()).GetProperty("ok").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Read_MissingSecret_ReportsNotFound()
    {
        var read = await Writer.ReadAsync(NewSecret());

        read.GetProperty("ok").GetBoolean().Should().BeTrue();
        read.GetProperty("not_found").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task SendAsync_CallerCancelled_LeavesTheWriterUsableAndSkipsTheLateAnswer()
    {
        var server = StartServer();
        var grant = server.Connect("5550005");
        var secret = NewSecret();
        await Writer.ReconnectAsync(secret, grant, Email, Name);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OnArrival = TokenExchangeHooks.HoldUntil(release.Task);
        using var cancel = new CancellationTokenSource();

        var refresh = Writer.RefreshAsync(secret, server, cancel.Token);
        await server.WaitForRequestsAsync(1);
        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => refresh).Should().ThrowAsync<OperationCanceledException>();
        release.SetResult();

        var read = await Writer.ReadAsync(secret);

        read.GetProperty("op").GetString().Should().Be("read");
        await Eventually.WaitUntilAsync(() => server.RefreshCount == 1, "the held refresh was answered");
        (await Writer.PingAsync()).GetProperty("op").GetString().Should().Be("ping");
    }

    [Fact]
    public async Task SendAsync_NoAnswerInTime_ThrowsTimeoutWithStderrAndTheWriterIsUnusable()
    {
        await using var writer = await PythonLambdaWriter.StartAsync(_fixture.ServiceUrl, commandTimeout: TimeSpan.FromSeconds(1));
        var server = StartServer();
        var grant = server.Connect("5550006");
        var secret = NewSecret();
        await Writer.ReconnectAsync(secret, grant, Email, Name);
        server.OnArrival = TokenExchangeHooks.HoldUntil(new TaskCompletionSource().Task);

        var timedOut = await FluentActions.Awaiting(() => writer.RefreshAsync(secret, server)).Should().ThrowAsync<TimeoutException>();

        timedOut.Which.Message.Should().Contain("'refresh' got no answer within 1 s").And.Contain("stderr:");
        await FluentActions.Awaiting(() => writer.PingAsync()).Should().ThrowAsync<InvalidOperationException>()
            .WithMessage("*unusable since an earlier failure*");
    }

    private static List<string> Keys(JsonElement document) => document.EnumerateObject().Select(property => property.Name).ToList();

    private static DateTime Timestamp(JsonElement document, string key) =>
        DateTime.ParseExact(document.GetProperty(key).GetString()!, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None);

    private string NewSecret()
    {
        var name = SecretNames.Unique("it-writer");
        _secrets.Add(name);
        return name;
    }

    private RotatingOAuthServer StartServer(RotatingOAuthServerOptions? options = null)
    {
        var server = RotatingOAuthServer.Start(options);
        _servers.Add(server);
        return server;
    }

    private async Task CreateRawAsync(string secret, JsonObject document)
    {
        var body = new JsonObject { ["Name"] = secret, ["SecretString"] = document.ToJsonString() }.ToJsonString();
        using var response = await RawAwsJsonRequest.PostAsync(_http, _fixture.ServiceUrl, "secretsmanager.CreateSecret", body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}

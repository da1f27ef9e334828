using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

[Collection(MotoAuthCollection.Name)]
public sealed class MotoServerTests(MotoAuthFixture authFixture) : IDisposable
{
    private readonly HttpClient _http = RawAwsJsonRequest.CreateClient();

    [Fact]
    public async Task StartAsync_serves_moto_on_loopback()
    {
        await using var server = await MotoServer.StartAsync();

        server.ServiceUrl.Should().Be(new Uri($"http://127.0.0.1:{server.Port}/"));
        server.HasExited.Should().BeFalse();
        server.InitialNoAuthActionCount.Should().BeNull();
        using var response = await RawAwsJsonRequest.PostAsync(_http, server.ServiceUrl, "secretsmanager.ListSecrets", "{}");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain("SecretList");
    }

    [Fact]
    public async Task ResetAsync_clears_moto_state()
    {
        await using var server = await MotoServer.StartAsync();
        var name = SecretNames.Unique();
        using (var created = await RawAwsJsonRequest.PostAsync(_http, server.ServiceUrl, "secretsmanager.CreateSecret", $$"""{"Name":"{{name}}","SecretString":"v1"}"""))
        {
            created.StatusCode.Should().Be(HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        }

        await server.ResetAsync();

        using var described = await RawAwsJsonRequest.PostAsync(_http, server.ServiceUrl, "secretsmanager.DescribeSecret", $$"""{"SecretId":"{{name}}"}""");
        described.IsSuccessStatusCode.Should().BeFalse();
        (await described.Content.ReadAsStringAsync()).Should().Contain("ResourceNotFoundException");
    }

    [Fact]
    public async Task DisposeAsync_kills_the_process_and_frees_the_port()
    {
        var server = await MotoServer.StartAsync();
        var pid = server.ProcessId;
        var port = server.Port;

        await server.DisposeAsync();

        server.HasExited.Should().BeTrue();
        IsRunning(pid).Should().BeFalse();
        using var client = new TcpClient();
        var connect = async () => await client.ConnectAsync(IPAddress.Loopback, port);
        await connect.Should().ThrowAsync<SocketException>();
    }

    [Fact]
    public async Task StartAsync_explains_a_missing_moto_server()
    {
        var start = async () => await MotoServer.StartAsync(new MotoServerOptions { Executable = "moto_server_not_installed_" + Guid.NewGuid().ToString("N") });

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("moto_server (pip package moto[server]) is required for the integration tests and was not found on PATH");
    }

    [Fact]
    public async Task Auth_fixture_rejects_unsigned_requests()
    {
        authFixture.Server.InitialNoAuthActionCount.Should().Be(MotoIamProvisioner.UnauthenticatedActionCount);

        using var response = await RawAwsJsonRequest.PostAsync(_http, authFixture.ServiceUrl, "secretsmanager.ListSecrets", "{}", authorization: null);

        response.IsSuccessStatusCode.Should().BeFalse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Auth_fixture_rejects_requests_signed_with_an_unknown_key()
    {
        using var response = await RawAwsJsonRequest.PostAsync(_http, authFixture.ServiceUrl, "secretsmanager.ListSecrets", "{}");

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden, body);
        body.Should().Contain("InvalidClientTokenId");
    }

    [Fact]
    public void Auth_fixture_provisions_user_and_session_credentials()
    {
        var credentials = authFixture.Credentials;

        credentials.UserAccessKeyId.Should().StartWith("AKIA");
        credentials.UserSecretAccessKey.Should().NotBeNullOrEmpty();
        credentials.SessionAccessKeyId.Should().StartWith("ASIA");
        credentials.SessionSecretAccessKey.Should().NotBeNullOrEmpty();
        credentials.SessionToken.Should().NotBeNullOrEmpty();
        credentials.ToString().Should().NotContain(credentials.UserSecretAccessKey).And.NotContain(credentials.SessionToken);
    }

    [Fact]
    public async Task Auth_fixture_ResetAsync_provisions_new_credentials_and_keeps_enforcing()
    {
        // An instance of its own: resetting the shared one would wipe other tests' secrets mid-run.
        var fixture = new MotoAuthFixture();
        await fixture.InitializeAsync();
        try
        {
            var before = fixture.Credentials;

            await fixture.ResetAsync();

            fixture.Credentials.UserAccessKeyId.Should().NotBe(before.UserAccessKeyId);
            fixture.Credentials.SessionAccessKeyId.Should().NotBe(before.SessionAccessKeyId);
            using var response = await RawAwsJsonRequest.PostAsync(_http, fixture.ServiceUrl, "secretsmanager.ListSecrets", "{}");
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact]
    public void SecretNames_are_unique_and_prefixed()
    {
        var first = SecretNames.Unique();
        var second = SecretNames.Unique("tokens");

        first.Should().MatchRegex("^it/[0-9a-f]{32}$");
        second.Should().MatchRegex("^tokens/[0-9a-f]{32}$");
        SecretNames.Unique().Should().NotBe(first);
    }

    public void Dispose() => _http.Dispose();

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

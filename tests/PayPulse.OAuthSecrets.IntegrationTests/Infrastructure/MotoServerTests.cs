using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

[Collection(MotoAuthCollection.Name)]
public sealed class MotoServerTests(MotoAuthFixture authFixture) : IDisposable
{
    private readonly HttpClient _http = RawAwsJsonRequest.CreateClient();
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("moto-server-tests-");

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
    public async Task StartAsync_explains_a_missing_python()
    {
        var start = async () => await MotoServer.StartAsync(new MotoServerOptions { Python = "python3_not_installed_" + Guid.NewGuid().ToString("N") });

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage(MotoServer.PythonNotFoundMessage);
    }

    [Fact]
    public async Task StartAsync_explains_that_moto_is_not_importable()
    {
        // python3 -S skips site-packages, where moto is installed.
        var python = WritePythonWrapper($"exec \"{FindPython()}\" -S \"$@\"");

        var start = async () => await MotoServer.StartAsync(new MotoServerOptions { Python = python });

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage(MotoServer.MotoNotInstalledMessage + "*")
            .Which.Message.Should().Contain("No module named 'moto'");
    }

    [Fact]
    public async Task StartAsync_fails_loudly_when_the_launcher_does_not_know_the_moto_version()
    {
        var fakeMoto = Path.Combine(_temp.FullName, "fake");
        Directory.CreateDirectory(Path.Combine(fakeMoto, "moto", "secretsmanager"));
        await File.WriteAllTextAsync(Path.Combine(fakeMoto, "moto", "__init__.py"), "__version__ = \"5.1.9\"\n");
        foreach (var module in new[] { "server.py", "secretsmanager/__init__.py", "secretsmanager/models.py" })
        {
            await File.WriteAllTextAsync(Path.Combine(fakeMoto, "moto", module), string.Empty);
        }

        var python = WritePythonWrapper($"PYTHONPATH=\"{fakeMoto}\" exec \"{FindPython()}\" \"$@\"");

        var start = async () => await MotoServer.StartAsync(new MotoServerOptions { Python = python });

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("*moto_launcher.py*exited with code 4*moto 5.1.9 is installed, but this launcher only knows how to patch moto 5.2.x*");
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

    public void Dispose()
    {
        _http.Dispose();
        _temp.Delete(recursive: true);
    }

    private static string FindPython() =>
        ExecutableLocator.Find("python3") ?? throw new InvalidOperationException(MotoServer.PythonNotFoundMessage);

    /// <summary>Writes an executable <c>/bin/sh</c> script standing in for the Python interpreter.</summary>
    private string WritePythonWrapper(string body)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The Python wrapper scripts are POSIX shell scripts.");
        }

        var path = Path.Combine(_temp.FullName, $"python-{Guid.NewGuid():N}");
        File.WriteAllText(path, $"#!/bin/sh{Environment.NewLine}{body}{Environment.NewLine}");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

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

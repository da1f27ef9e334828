namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// One moto server that enforces IAM auth, shared by the tests in <see cref="MotoAuthCollection"/>. Every request
/// must be SigV4-signed with <see cref="Credentials"/> (the user key, or the session key plus its token) for
/// <see cref="Region"/>; unsigned, badly signed or unknown-key requests are rejected.
/// </summary>
public sealed class MotoAuthFixture : IAsyncLifetime
{
    private MotoServer? _server;
    private MotoIamCredentials? _credentials;

    /// <summary>The running server.</summary>
    public MotoServer Server => _server ?? throw NotInitialized();

    /// <summary>The server's base address, <c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri ServiceUrl => Server.ServiceUrl;

    /// <summary>The region to sign for.</summary>
    public string Region { get; } = MotoServer.Region;

    /// <summary>The IAM user key and assumed-role session provisioned on the server.</summary>
    public MotoIamCredentials Credentials => _credentials ?? throw NotInitialized();

    /// <summary>
    /// Resets all of moto's state and provisions new IAM principals: <see cref="Credentials"/> changes, and the
    /// previous credentials stop working.
    /// </summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        await Server.ResetAsync(cancellationToken);
        await Server.ResetAuthAsync(MotoIamProvisioner.UnauthenticatedActionCount, cancellationToken);
        _credentials = await MotoIamProvisioner.ProvisionAsync(Server.ServiceUrl, cancellationToken);
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var server = await MotoServer.StartAsync(MotoIamProvisioner.UnauthenticatedActionCount);
        try
        {
            _credentials = await MotoIamProvisioner.ProvisionAsync(server.ServiceUrl);
        }
        catch (InvalidOperationException exception)
        {
            var output = server.RecentOutput;
            await server.DisposeAsync();
            throw new InvalidOperationException(
                $"Provisioning IAM on the auth-enforcing moto server failed. {exception.Message}{Environment.NewLine}"
                + $"moto_server output:{Environment.NewLine}{output}",
                exception);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        _server = server;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    private static InvalidOperationException NotInitialized() =>
        new("The moto auth fixture has not been initialized.");
}

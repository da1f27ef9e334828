namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// One moto server without auth enforcement, shared by the tests in <see cref="MotoCollection"/>.
/// Requests need not be signed validly (any SigV4 header, or none, is accepted). Use <see cref="SecretNames.Unique"/>
/// so tests do not see each other's secrets.
/// </summary>
public sealed class MotoFixture : IAsyncLifetime
{
    private MotoServer? _server;

    /// <summary>The running server.</summary>
    public MotoServer Server => _server ?? throw new InvalidOperationException("The moto fixture has not been initialized.");

    /// <summary>The server's base address, <c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri ServiceUrl => Server.ServiceUrl;

    /// <summary>The region to sign for.</summary>
    public string Region { get; } = MotoServer.Region;

    /// <summary>Resets all of moto's state.</summary>
    public Task ResetAsync(CancellationToken cancellationToken = default) => Server.ResetAsync(cancellationToken);

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await MotoServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }
}

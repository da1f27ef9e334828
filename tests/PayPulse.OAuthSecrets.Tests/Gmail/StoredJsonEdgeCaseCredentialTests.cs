using System.Text.Json;

namespace PayPulse.OAuthSecrets.Tests.Gmail;

/// <summary>
/// <see cref="Internal.Gmail.GmailCredentialFactory.CreateAsync"/> end to end over stored bundles at the edges
/// ("Stored JSON and inputs"): a sane credential, refreshed when the stored token is expired, never an overflow.
/// </summary>
public sealed class StoredJsonEdgeCaseCredentialTests : IDisposable
{
    private const string Secret = "gmail/user/u-1";
    private const string Head = """{"access_token":"ya29.stored","refresh_token":"1//stored-refresh","scope":"https://www.googleapis.com/auth/gmail.readonly","token_type":"Bearer",""";

    private readonly GmailTestHost _host = new();

    public StoredJsonEdgeCaseCredentialTests() => _host.Build();

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData(""" "expires_at":"0001-01-01T00:00:00","expires_in":3599 """)]
    [InlineData(""" "expires_at":"0001-01-01T00:00:00","expires_in":3599,"created_at":"2026-11-25T04:00:00" """)]
    [InlineData(""" "expires_at":"0001-01-01T00:00:00","created_at":"2026-11-25T04:00:00" """)]
    [InlineData(""" "expires_at":"2026-11-25T04:00:00","created_at":"2026-11-25T04:30:00" """)]
    [InlineData(""" "expires_at":"2026-11-25T04:00:00","expires_in":-3599 """)]
    [InlineData(""" "expires_at":"2026-11-25T04:00:00","expires_in":1e400,"created_at":"2026-11-25T03:00:00" """)]
    public async Task CreateAsync_ExpiredAtAnEdge_RefreshesAndWritesBack(string rest)
    {
        _host.Secrets.SetSecretString(Secret, Head + rest + "}");
        _host.TokenEndpoint.Then(HttpStatusCode.OK, GmailTestHost.TokenJson());

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.refreshed");
        (await credential.GetAccessTokenForRequestAsync()).Should().Be("ya29.refreshed");
        _host.TokenEndpoint.Requests.Should().ContainSingle();
        using var stored = JsonDocument.Parse(_host.Secrets.GetSecretString(Secret)!);
        stored.RootElement.GetProperty("access_token").GetString().Should().Be("ya29.refreshed");
        stored.RootElement.GetProperty("expires_at").GetString().Should().Be("2026-11-25T05:59:59");
        stored.RootElement.GetProperty("expires_in").GetInt64().Should().Be(3599);
        stored.RootElement.GetProperty("created_at").GetString().Should().Be("2026-11-25T05:00:00");
    }

    [Theory]
    [InlineData(""" "expires_at":"9999-12-31T23:59:59.999999","expires_in":3599,"created_at":"2026-11-25T04:00:00" """)]
    [InlineData(""" "expires_at":"9999-12-31T23:59:59.999999","created_at":"2026-11-25T04:00:00" """)]
    [InlineData(""" "expires_at":"9999-12-31T23:59:59.999999" """)]
    [InlineData(""" "expires_at":"2026-11-25T06:00:00","created_at":"2026-11-25T07:00:00" """)]
    [InlineData(""" "expires_at":"2026-11-25T06:00:00","expires_in":-1 """)]
    [InlineData(""" "expires_at":"2026-11-25T06:00:00","expires_in":9e11,"created_at":"0001-01-01T00:00:00" """)]
    public async Task CreateAsync_ValidAtAnEdge_UsesTheStoredTokenWithoutRefreshing(string rest)
    {
        _host.Secrets.SetSecretString(Secret, Head + rest + "}");

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.stored");
        (await credential.GetAccessTokenForRequestAsync()).Should().Be("ya29.stored");
        _host.TokenEndpoint.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task CreateAsync_ExpiresAtAtTheEnd_HandsGoogleAClampedLifetime()
    {
        _host.Secrets.SetSecretString(Secret, Head + """ "expires_at":"9999-12-31T23:59:59.999999"}""");

        var credential = await _host.Factory.CreateAsync("u-1");

        credential.Token.ExpiresInSeconds.Should().Be((long)Internal.OAuthTokenBundleExtensions.MaxLifetime.TotalSeconds);
    }

    [Fact]
    public async Task CreateAsync_TimestampOutsideTheCalendar_IsAFormatErrorNamingTheField()
    {
        _host.Secrets.SetSecretString(Secret, Head + """ "expires_at":"0001-01-01T00:00:00+01:00"}""");

        var ex = (await FluentActions.Awaiting(() => _host.Factory.CreateAsync("u-1")).Should().ThrowAsync<OAuthSecretFormatException>()).Which;

        ex.Field.Should().Be("expires_at");
        ex.ToString().Should().NotContain("ya29.stored").And.NotContain("1//stored-refresh");
        _host.TokenEndpoint.Requests.Should().BeEmpty();
    }
}

using System.Text.Json;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Tests.Serialization;

public sealed class TokenBundleDocumentTests
{
    private const string Scope = "https://www.googleapis.com/auth/gmail.readonly";
    private const string Name = "gmail/user/u-1";

    [Fact]
    public void Parse_PythonWrittenGolden_ReadsEveryField()
    {
        var document = TokenBundleDocument.Parse(Name, Golden("python-written.json"), "default");

        var bundle = document.Bundle;
        bundle.AccessToken.Should().Be("ya29.python-written-access");
        bundle.RefreshToken.Should().Be("1//python-written-refresh");
        bundle.ExpiresAt.Should().Be(new DateTimeOffset(2026, 11, 25, 6, 3, 3, TimeSpan.Zero).AddTicks(1_234_560));
        bundle.ExpiresIn.Should().Be(TimeSpan.FromSeconds(3599));
        bundle.Scope.Should().Be(Scope);
        bundle.TokenType.Should().Be("Bearer");
        bundle.CreatedAt.Should().Be(new DateTimeOffset(2026, 11, 25, 5, 3, 4, TimeSpan.Zero).AddTicks(1_234_560));
        bundle.GoogleUser.Should().Be(new GoogleUserInfo("104857600000000000001", "müller+invoices@example.com", "Anna Müller", true));
        document.UnknownKeys.Should().Equal("last_history_id");
    }

    [Fact]
    public void Parse_PythonWrittenMinimal_ReadsNullRefreshTokenAndWholeSeconds()
    {
        var bundle = TokenBundleDocument.Parse(Name, Golden("python-written-minimal.json"), "default").Bundle;

        bundle.RefreshToken.Should().BeNull();
        bundle.ExpiresAt.Should().Be(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero));
        bundle.GoogleUser.Should().BeNull();
    }

    [Fact]
    public void ToJson_PythonWrittenGolden_RewritesToTheLibraryGolden()
    {
        var json = TokenBundleDocument.Parse(Name, Golden("python-written.json"), "default")
            .With(TokenBundleDocument.Parse(Name, Golden("python-written.json"), "default").Bundle with
            {
                AccessToken = "ya29.library-written-access",
                RefreshToken = "1//library-written-refresh",
            })
            .ToJson();

        json.Should().Be(Golden("library-written.json").TrimEnd('\n'));
    }

    [Fact]
    public void ToJson_ThenParse_RoundTrips()
    {
        var bundle = new OAuthTokenBundle
        {
            AccessToken = "a",
            RefreshToken = "r",
            ExpiresAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ExpiresIn = TimeSpan.FromSeconds(3600),
            Scope = "s1 s2",
            CreatedAt = new DateTimeOffset(2026, 1, 2, 2, 4, 5, TimeSpan.Zero),
            GoogleUser = new GoogleUserInfo("1", "e@example.com"),
        };

        var json = TokenBundleDocument.Create(bundle).ToJson();

        TokenBundleDocument.Parse(Name, json, Scope).Bundle.Should().Be(bundle);
        json.Should().Contain("\"google_name\":\"\"").And.Contain("\"expires_at\":\"2026-01-02T03:04:05\"");
    }

    [Fact]
    public void Parse_KeysMissingOptionalFields_UsesDefaults()
    {
        var bundle = TokenBundleDocument.Parse(Name, """{"access_token":"a","expires_at":"2026-01-01T01:00:00","created_at":"2026-01-01T00:00:00"}""", Scope).Bundle;

        bundle.RefreshToken.Should().BeNull();
        bundle.Scope.Should().Be(Scope);
        bundle.TokenType.Should().Be("Bearer");
        bundle.ExpiresIn.Should().Be(TimeSpan.FromHours(1), "derived from created_at when expires_in is missing");
        bundle.GoogleUser.Should().BeNull();
    }

    [Fact]
    public void Parse_EmptyGoogleUserId_IsNoAccountAndItsKeysAreKeptAsStoredOnRewrite()
    {
        var document = TokenBundleDocument.Parse(Name, """{"access_token":"a","expires_at":"2026-01-01T01:00:00","google_user_id":"","google_email":"","google_name":"Alice","google_verified_email":true}""", Scope);

        document.Bundle.GoogleUser.Should().BeNull("an empty google_user_id identifies no account");
        document.ToJson().Should().Contain("\"google_user_id\":\"\",\"google_email\":\"\",\"google_name\":\"Alice\",\"google_verified_email\":true");
    }

    [Fact]
    public void Parse_NoGoogleKeys_MeansNoGoogleUser()
    {
        TokenBundleDocument.Parse(Name, """{"access_token":"a","expires_at":"2026-01-01T01:00:00"}""", Scope).Bundle.GoogleUser.Should().BeNull();
    }

    [Theory]
    [InlineData("""{"refresh_token":"r","expires_at":"2026-01-01T00:00:00"}""", "access_token", "is missing")]
    [InlineData("""{"access_token":"","expires_at":"2026-01-01T00:00:00"}""", "access_token", "is empty")]
    [InlineData("""{"access_token":42,"expires_at":"2026-01-01T00:00:00"}""", "access_token", "must be a string")]
    [InlineData("""{"access_token":"SECRETVALUE"}""", "expires_at", "is missing")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":1767225600}""", "expires_at", "must be a string")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":"next tuesday"}""", "expires_at", "is not an ISO-8601 timestamp")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":"2026-01-01"}""", "expires_at", "is not an ISO-8601 timestamp")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":"2026-01-01T00:00:00","refresh_token":["SECRETVALUE"]}""", "refresh_token", "must be a string")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":"2026-01-01T00:00:00","expires_in":"3600"}""", "expires_in", "must be a number")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":"2026-01-01T00:00:00","created_at":false}""", "created_at", "must be a string")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":"2026-01-01T00:00:00","scope":{}}""", "scope", "must be a string")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":"2026-01-01T00:00:00","google_verified_email":"yes"}""", "google_verified_email", "must be true or false")]
    [InlineData("""{"access_token":"SECRETVALUE","expires_at":"2026-01-01T00:00:00","google_email":7}""", "google_email", "must be a string")]
    public void Parse_BadField_NamesTheFieldNeverTheValue(string json, string field, string problem)
    {
        var act = () => TokenBundleDocument.Parse(Name, json, Scope);

        var ex = act.Should().Throw<OAuthSecretFormatException>().Which;
        ex.Field.Should().Be(field);
        ex.SecretName.Should().Be(Name);
        ex.Message.Should().Contain(field).And.Contain(problem).And.Contain(Name);
        ex.ToString().Should().NotContain("SECRETVALUE");
    }

    [Theory]
    [InlineData("SECRETVALUE not json")]
    [InlineData("{\"access_token\":\"SECRETVALUE\"")]
    [InlineData("[\"SECRETVALUE\"]")]
    [InlineData("\"SECRETVALUE\"")]
    [InlineData("")]
    [InlineData("{\"access_token\":\"SECRETVALUE\",\"access_token\":\"SECRETVALUE2\"}")]
    public void Parse_NotAJsonObject_IsAFormatErrorWithoutTheContent(string json)
    {
        var act = () => TokenBundleDocument.Parse(Name, json, Scope);

        var ex = act.Should().Throw<OAuthSecretFormatException>().Which;
        ex.Field.Should().BeNull();
        ex.ToString().Should().NotContain("SECRETVALUE");
    }

    [Fact]
    public void ToJson_KeepsUnknownKeysAfterTheKnownOnes()
    {
        var document = TokenBundleDocument.Parse(Name, """{"zeta":1,"access_token":"a","alpha":{"x":[true,null]},"expires_at":"2026-01-01T00:00:00","nothing":null}""", Scope);

        using var json = JsonDocument.Parse(document.ToJson());

        json.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal(
            "access_token", "refresh_token", "expires_at", "expires_in", "scope", "token_type", "created_at", "zeta", "alpha", "nothing");
        json.RootElement.GetProperty("alpha").GetRawText().Should().Be("""{"x":[true,null]}""");
    }

    private static string Golden(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Serialization", "Golden", file));
}

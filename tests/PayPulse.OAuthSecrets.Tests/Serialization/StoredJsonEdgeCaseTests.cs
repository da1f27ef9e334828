using System.Text.Json;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.Gmail;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Tests.Serialization;

/// <summary>
/// Edge cases of the stored bundle ("Stored JSON and inputs"): each reads as a sane bundle or a typed
/// <see cref="OAuthSecretFormatException"/>, never an <see cref="ArgumentOutOfRangeException"/> or an overflow.
/// </summary>
public sealed class StoredJsonEdgeCaseTests
{
    private const string Scope = "https://www.googleapis.com/auth/gmail.readonly";
    private const string Name = "gmail/user/u-1";
    private const string MinTimestamp = "0001-01-01T00:00:00";
    private const string MaxTimestamp = "9999-12-31T23:59:59.999999";

    private static readonly DateTimeOffset Now = new(2026, 11, 25, 5, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset StoredMax = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990);

    [Theory]
    [InlineData(""","expires_in":3599""")]
    [InlineData(""","expires_in":3599,"created_at":"2026-11-25T04:00:00" """)]
    [InlineData(""","created_at":"2026-11-25T04:00:00" """)]
    [InlineData("")]
    public void Parse_ExpiresAtAtTheStartOfTheCalendar_IsAnExpiredBundle(string rest)
    {
        var bundle = Parse($$"""{"access_token":"a","refresh_token":"r","expires_at":"{{MinTimestamp}}"{{rest}}}""");

        bundle.ExpiresAt.Should().Be(DateTimeOffset.MinValue);
        bundle.IsExpired(Now).Should().BeTrue();
        bundle.IsExpired(Now, TimeSpan.FromMinutes(5)).Should().BeTrue();
        bundle.CreatedAt.Should().BeOnOrAfter(DateTimeOffset.MinValue);
    }

    [Fact]
    public void Parse_ExpiresAtAtTheStartWithoutCreatedAt_CreatedAtIsTheStartToo()
    {
        var bundle = Parse($$"""{"access_token":"a","expires_at":"{{MinTimestamp}}","expires_in":3599}""");

        bundle.ExpiresIn.Should().Be(TimeSpan.FromSeconds(3599));
        bundle.CreatedAt.Should().Be(DateTimeOffset.MinValue, "expires_at - expires_in lies before the calendar");
    }

    [Fact]
    public void Parse_ExpiresAtAtTheEndOfTheCalendar_IsAValidBundleThatRoundTrips()
    {
        var json = $$"""{"access_token":"a","expires_at":"{{MaxTimestamp}}","created_at":"2026-11-25T04:00:00"}""";

        var document = TokenBundleDocument.Parse(Name, json, Scope);
        var rewritten = document.ToJson();

        document.Bundle.ExpiresAt.Should().Be(StoredMax);
        document.Bundle.IsExpired(Now, TimeSpan.FromMinutes(5)).Should().BeFalse();
        document.Bundle.ExpiresIn.Should().Be(TimeSpan.Zero, "8,000 years is no token lifetime: unknown");
        rewritten.Should().Contain($"\"expires_at\":\"{MaxTimestamp}\"").And.Contain("\"expires_in\":0");
        TokenBundleDocument.Parse(Name, rewritten, Scope).Bundle.Should().Be(document.Bundle);
    }

    [Fact]
    public void Parse_ExpiresAtAtTheStart_RoundTrips()
    {
        var document = TokenBundleDocument.Parse(Name, $$"""{"access_token":"a","expires_at":"{{MinTimestamp}}","expires_in":3599}""", Scope);

        var rewritten = document.ToJson();

        rewritten.Should().Contain($"\"expires_at\":\"{MinTimestamp}\"").And.Contain($"\"created_at\":\"{MinTimestamp}\"");
        TokenBundleDocument.Parse(Name, rewritten, Scope).Bundle.Should().Be(document.Bundle);
    }

    [Fact]
    public void Parse_CreatedAtAfterExpiresAt_IsAcceptedAsStoredWithAnUnknownLifetime()
    {
        var document = TokenBundleDocument.Parse(Name, """{"access_token":"a","expires_at":"2026-11-25T04:00:00","created_at":"2026-11-25T05:00:00"}""", Scope);

        document.Bundle.CreatedAt.Should().Be(new DateTimeOffset(2026, 11, 25, 5, 0, 0, TimeSpan.Zero));
        document.Bundle.ExpiresIn.Should().Be(TimeSpan.Zero, "a negative lifetime is unknown");
        document.ToJson().Should().Contain("\"expires_in\":0,").And.Contain("\"created_at\":\"2026-11-25T05:00:00\"");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-3599")]
    [InlineData("-1e400")]
    [InlineData("1e400")]
    [InlineData("9e11")]
    [InlineData("1.7976931348623157e308")]
    [InlineData("123456789012345678901234567890")]
    public void Parse_ExpiresInNegativeHugeOrInfinite_IsUnknownAndDerivedFromCreatedAt(string expiresIn)
    {
        var bundle = Parse($$"""{"access_token":"a","expires_at":"2026-11-25T06:00:00","expires_in":{{expiresIn}},"created_at":"2026-11-25T05:00:00"}""");

        bundle.ExpiresIn.Should().Be(TimeSpan.FromHours(1));
        bundle.CreatedAt.Should().Be(new DateTimeOffset(2026, 11, 25, 5, 0, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1e400")]
    public void Parse_ExpiresInUnknownWithoutCreatedAt_IsZeroAndCreatedAtIsExpiresAt(string expiresIn)
    {
        var document = TokenBundleDocument.Parse(Name, $$"""{"access_token":"a","expires_at":"2026-11-25T06:00:00","expires_in":{{expiresIn}}}""", Scope);

        document.Bundle.ExpiresIn.Should().Be(TimeSpan.Zero);
        document.Bundle.CreatedAt.Should().Be(document.Bundle.ExpiresAt);
        document.ToJson().Should().Contain("\"expires_in\":0,");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void Parse_NonJsonNumberLiteral_IsAFormatError(string literal)
    {
        var act = () => Parse($$"""{"access_token":"SECRETVALUE","expires_at":"2026-11-25T06:00:00","expires_in":{{literal}}}""");

        act.Should().Throw<OAuthSecretFormatException>().Which.ToString().Should().NotContain("SECRETVALUE");
    }

    [Theory]
    [InlineData("expires_at", "0001-01-01T00:00:00+05:00")]
    [InlineData("expires_at", "9999-12-31T23:59:59-01:00")]
    [InlineData("created_at", "0001-01-01T04:59:59+05:00")]
    [InlineData("created_at", "9999-12-31T23:59:59.9999999-00:01")]
    [InlineData("expires_at", "10000-01-01T00:00:00")]
    public void Parse_TimestampOutsideTheCalendar_IsAFormatErrorNamingTheField(string field, string value)
    {
        var json = field == "expires_at"
            ? $$"""{"access_token":"a","expires_at":"{{value}}"}"""
            : $$"""{"access_token":"a","expires_at":"2026-11-25T06:00:00","created_at":"{{value}}"}""";

        var act = () => Parse(json);

        var ex = act.Should().Throw<OAuthSecretFormatException>().Which;
        ex.Field.Should().Be(field);
        ex.Message.Should().NotContain(value);
    }

    [Fact]
    public void IsExpired_AtEitherEndOfTheCalendarWithAnyMargin_NeverOverflows()
    {
        var atStart = Bundle(DateTimeOffset.MinValue);
        var atEnd = Bundle(DateTimeOffset.MaxValue);

        atStart.IsExpired(DateTimeOffset.MinValue, TimeSpan.FromMinutes(5)).Should().BeTrue();
        atStart.IsExpired(Now, TimeSpan.MaxValue).Should().BeTrue();
        atStart.IsExpired(DateTimeOffset.MaxValue, TimeSpan.MinValue).Should().BeFalse("a margin of minus 29,000 years ends after the calendar");
        atEnd.IsExpired(Now, TimeSpan.FromMinutes(5)).Should().BeFalse();
        atEnd.IsExpired(DateTimeOffset.MinValue, TimeSpan.MinValue).Should().BeFalse();
        atEnd.IsExpired(DateTimeOffset.MaxValue, TimeSpan.Zero).Should().BeTrue();
        atEnd.IsExpired(Now, TimeSpan.MaxValue).Should().BeTrue();
    }

    [Fact]
    public void IsExpired_KeepsItsMeaning_ExpiredFromMarginBeforeExpiresAt()
    {
        var bundle = Bundle(Now);

        bundle.IsExpired(Now - TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)).Should().BeTrue();
        bundle.IsExpired(Now - TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1), TimeSpan.FromMinutes(5)).Should().BeFalse();
        bundle.IsExpired(Now).Should().BeTrue();
        bundle.IsExpired(Now - TimeSpan.FromTicks(1)).Should().BeFalse();
    }

    [Fact]
    public void ToTokenResponse_ExpiresAtAtTheEnd_IsClampedSoGooglesLibraryCanUseIt()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);

        var response = PersistingAuthorizationCodeFlow.ToTokenResponse(Bundle(StoredMax), time);

        response.ExpiresInSeconds.Should().Be((long)OAuthTokenBundleExtensions.MaxLifetime.TotalSeconds);
        response.IssuedUtc.AddSeconds(response.ExpiresInSeconds!.Value).Should().BeAfter(Now.UtcDateTime, "Google's library adds the two");
    }

    [Fact]
    public void ToTokenResponse_ExpiresAtAtTheStart_IsExpiredNow()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);

        var response = PersistingAuthorizationCodeFlow.ToTokenResponse(Bundle(DateTimeOffset.MinValue), time);

        response.ExpiresInSeconds.Should().Be(0);
    }

    [Fact]
    public void Parse_PythonRefreshedWithoutAccountGolden_IsNoGoogleAccount()
    {
        var bundle = TokenBundleDocument.Parse(Name, Golden("python-refreshed-no-account.json"), "default").Bundle;

        bundle.GoogleUser.Should().BeNull();
        bundle.AccessToken.Should().Be("ya29.python-refreshed-no-account");
        bundle.RefreshToken.Should().Be("1//python-no-account-refresh");
    }

    [Fact]
    public void ToJson_PythonRefreshedWithoutAccountGolden_RewritesTheEmptyAccountKeysAsPythonDoes()
    {
        var document = TokenBundleDocument.Parse(Name, Golden("python-refreshed-no-account.json"), "default");

        var json = document.With(document.Bundle with
        {
            AccessToken = "ya29.library-written-access",
            RefreshToken = "1//library-written-refresh",
        }).ToJson();

        json.Should().Be(Golden("library-written-no-account.json").TrimEnd('\n'));
    }

    [Fact]
    public void ToJson_NoAccountDocumentGivenAnAccount_WritesTheAccountInPlaceOfTheEmptyKeys()
    {
        var document = TokenBundleDocument.Parse(Name, Golden("python-refreshed-no-account.json"), "default");

        var json = document.With(document.Bundle with { GoogleUser = new GoogleUserInfo("111", "alice@example.com", "Alice", true) }).ToJson();

        using var parsed = JsonDocument.Parse(json);
        parsed.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal(
            "access_token", "refresh_token", "expires_at", "expires_in", "scope", "token_type", "created_at",
            "google_user_id", "google_email", "google_name", "google_verified_email");
        parsed.RootElement.GetProperty("google_user_id").GetString().Should().Be("111");
        parsed.RootElement.GetProperty("google_verified_email").GetBoolean().Should().BeTrue();
    }

    [Theory]
    [InlineData(""","google_email":"" """)]
    [InlineData(""","google_user_id":null,"google_email":"alice@example.com" """)]
    [InlineData(""","google_name":"Alice","google_verified_email":true""")]
    public void Parse_NoGoogleUserId_IsNoGoogleAccount(string googleKeys)
    {
        Parse($$"""{"access_token":"a","expires_at":"2026-11-25T06:00:00"{{googleKeys}}}""").GoogleUser.Should().BeNull();
    }

    [Fact]
    public void Parse_EmptyGoogleUserId_StillChecksTheTypesOfTheOtherGoogleKeys()
    {
        var act = () => Parse("""{"access_token":"a","expires_at":"2026-11-25T06:00:00","google_user_id":"","google_verified_email":"no"}""");

        act.Should().Throw<OAuthSecretFormatException>().Which.Field.Should().Be("google_verified_email");
    }

    private static OAuthTokenBundle Parse(string json) => TokenBundleDocument.Parse(Name, json, Scope).Bundle;

    private static OAuthTokenBundle Bundle(DateTimeOffset expiresAt) => new() { AccessToken = "a", ExpiresAt = expiresAt };

    private static string Golden(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Serialization", "Golden", file));
}

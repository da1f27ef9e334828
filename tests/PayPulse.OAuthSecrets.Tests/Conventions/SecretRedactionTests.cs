using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace PayPulse.OAuthSecrets.Tests.Conventions;

public sealed class SecretRedactionTests
{
    private const string Access1 = "ya29.ACCESS-ONE-c2VjcmV0";
    private const string Refresh1 = "1//REFRESH-ONE-c2VjcmV0";
    private const string Access2 = "ya29.ACCESS-TWO-c2VjcmV0";
    private const string Refresh2 = "1//REFRESH-TWO-c2VjcmV0";
    private static readonly string[] Tokens = [Access1, Refresh1, Access2, Refresh2, "c2VjcmV0"];

    [Fact]
    public void Records_ToString_NeverPrintTokens()
    {
        var grant = new OAuthTokenGrant(Access1, Refresh1, TimeSpan.FromHours(1), "scope-a");
        var bundle = new OAuthTokenBundle
        {
            AccessToken = Access1,
            RefreshToken = Refresh1,
            ExpiresAt = DateTimeOffset.UnixEpoch,
            Scope = "scope-a",
            GoogleUser = new GoogleUserInfo("1", "a@example.com"),
        };
        var result = new OAuthTokenStoreResult { Bundle = bundle };

        foreach (var text in new[] { grant.ToString(), bundle.ToString(), result.ToString() })
        {
            text.Should().NotContainAny(Tokens).And.Contain("***");
        }

        bundle.ToString().Should().Contain("scope-a").And.Contain("a@example.com");
        grant.ToString().Should().Contain("scope-a");
        (grant with { RefreshToken = null }).ToString().Should().Contain("RefreshToken = null");
    }

    [Fact]
    public async Task AFullRun_LogsExceptionsAndActivities_NeverContainTokens()
    {
        using var activities = new ActivityRecorder();
        var logs = new FakeLogCollector();
        await using var provider = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)))
            .AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true)
            .BuildServiceProvider();
        var store = provider.GetRequiredService<IOAuthTokenStore>();
        var secrets = provider.GetRequiredService<InProcessSecretStore>();
        var errors = new List<Exception>();

        await store.StoreAsync("u-1", new OAuthTokenGrant(Access1, Refresh1, TimeSpan.FromHours(1)), new GoogleUserInfo("1", "a@example.com"));
        await store.GetAsync("u-1");
        await store.UpdateAsync("u-1", new OAuthTokenGrant(Access2, Refresh2, TimeSpan.FromHours(1)));
        await store.StoreAsync("u-1", new OAuthTokenGrant(Access1, null, TimeSpan.FromHours(1)), new GoogleUserInfo("2", "b@example.com"));
        await store.DeleteAsync("u-1");
        errors.Add(await Capture(() => store.UpdateAsync("u-1", new OAuthTokenGrant(Access1, Refresh1, TimeSpan.FromHours(1)))));
        secrets.SetSecretString("gmail/user/u-2", $$"""{"access_token":"{{Access1}}","refresh_token":"{{Refresh1}}","expires_at":"{{Access2}}"}""");
        errors.Add(await Capture(() => store.GetAsync("u-2")));
        secrets.SetSecretString("gmail/user/u-3", $$"""{"access_token":"{{Access1}}","refresh_token":{{Refresh1.Length}}, "expires_at":""");
        errors.Add(await Capture(() => store.GetAsync("u-3")));
        errors.Add(await Capture(() => store.StoreAsync("bad/id", new OAuthTokenGrant(Access1, Refresh1, TimeSpan.FromHours(1)))));

        logs.GetSnapshot().Should().NotBeEmpty();
        foreach (var record in logs.GetSnapshot())
        {
            record.Message.Should().NotContainAny(Tokens);
            (record.Exception?.ToString() ?? string.Empty).Should().NotContainAny(Tokens);
            record.StructuredState!.Select(kv => kv.Value ?? string.Empty).Should().NotContain(v => Tokens.Any(v.Contains));
        }

        errors.Should().HaveCount(4);
        foreach (var error in errors)
        {
            error.ToString().Should().NotContainAny(Tokens);
        }

        // Eight calls with a valid user id; "bad/id" is refused before its activity starts.
        AssertNoTokenIn(activities, expectedCount: 8);
    }

    [Fact]
    public async Task AGmailRun_LogsExceptionsAndActivities_NeverContainTokens()
    {
        using var activities = new ActivityRecorder();
        using var host = new Gmail.GmailTestHost().Build();
        host.Seed("u-1", TimeSpan.FromMinutes(1), accessToken: Access1, refreshToken: Refresh1);
        host.Seed("u-2", TimeSpan.FromMinutes(1), accessToken: Access1, refreshToken: Refresh2);
        host.Seed("u-3", TimeSpan.FromMinutes(1), accessToken: Access2, refreshToken: Refresh2);
        host.TokenEndpoint
            .Then(HttpStatusCode.OK, Gmail.GmailTestHost.TokenJson(Access2, refreshToken: Refresh2))
            .Then(HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}""")
            .Then(HttpStatusCode.Unauthorized, """{"error":"invalid_client"}""");
        var errors = new List<Exception>();

        var credential = await host.Factory.CreateAsync("u-1");
        errors.Add(await Capture(() => host.Factory.CreateAsync("u-2")));
        errors.Add(await Capture(() => host.Factory.CreateAsync("u-3")));

        credential.Token.AccessToken.Should().Be(Access2);
        host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2002).And.Contain(r => r.Id.Id == 2003).And.Contain(r => r.Id.Id == 2004);
        foreach (var record in host.Logs.GetSnapshot())
        {
            record.Message.Should().NotContainAny(Tokens);
            (record.Exception?.ToString() ?? string.Empty).Should().NotContainAny(Tokens);
            record.StructuredState!.Select(kv => kv.Value ?? string.Empty).Should().NotContain(v => Tokens.Any(v.Contains));
        }

        errors.Select(e => e.GetType()).Should().Equal(typeof(OAuthTokenRevokedException), typeof(OAuthTokenRefreshException));
        errors.Should().AllSatisfy(e => e.ToString().Should().NotContainAny(Tokens));
        activities.Stopped.Should().Contain(a => a.OperationName == "GmailCredential.Refresh");
        AssertNoTokenIn(activities, expectedCount: null);
    }

    private static void AssertNoTokenIn(ActivityRecorder activities, int? expectedCount)
    {
        var stopped = activities.Stopped;
        if (expectedCount is { } count)
        {
            stopped.Should().HaveCount(count);
        }

        foreach (var activity in stopped)
        {
            activity.DisplayName.Should().NotContainAny(Tokens);
            (activity.StatusDescription ?? string.Empty).Should().NotContainAny(Tokens);
            activity.TagObjects.Select(t => t.Value?.ToString() ?? string.Empty).Should().NotContain(v => Tokens.Any(v.Contains));
        }
    }

    private static async Task<Exception> Capture(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex)
        {
            return ex;
        }

        throw new InvalidOperationException("The action was expected to fail.");
    }
}

using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests;

public sealed partial class IssuesTests
{
    // Defect 6. With refresh-token rotation and reuse detection, many concurrent tasks in one process refreshing a few
    // users must never present a consumed refresh token again: no grant may be revoked. Access tokens are issued for
    // 1,801 s and refreshed within 30 minutes of expiry, so every token needs refreshing a second after it is issued;
    // one read in five is held up to 1.5 s after moto answered it (seeded), so reads that started before a rotation
    // finish after it, and after the next one.
    [Fact]
    public async Task Defect6_ManyConcurrentRefreshesInOneProcessWithRotation_NeverTripReuseDetection()
    {
        await using var google = RotatingOAuthServer.Start(new RotatingOAuthServerOptions { ExpiresIn = 1801, ExpectedClientId = ClientId });
        var host = CreateHost(google.TokenUri, o => o.RefreshBeforeExpiry = TimeSpan.FromMinutes(30));
        var users = Enumerable.Range(0, 4).Select(_ => NewUserId()).ToArray();
        foreach (var user in users)
        {
            var grant = google.Connect("acct-" + user);
            await host.Store.StoreAsync(user, new OAuthTokenGrant(grant.AccessToken, grant.RefreshToken, TimeSpan.FromSeconds(1801)));
        }

        var delays = new Random(11);
        host.SecretsManagerTraffic.BeforeReturn = (call, ct) =>
        {
            int delay;
            lock (delays)
            {
                delay = call.Operation == "GetSecretValue" && delays.Next(5) == 0 ? delays.Next(1500) : 0;
            }

            return delay == 0 ? Task.CompletedTask : Task.Delay(delay, ct);
        };

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var random = new Random(7);
        var seeds = Enumerable.Range(0, 24).Select(_ => random.Next()).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var tasks = seeds.Select(seed => Task.Run(async () =>
        {
            var own = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var user = users[own.Next(users.Length)];
                try
                {
                    var credential = await host.Factory.CreateAsync(user);
                    if (own.Next(4) == 0)
                    {
                        // As after a 401 from Gmail: the credential's own refresh.
                        await credential.RefreshTokenAsync(CancellationToken.None);
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        google.RefreshCount.Should().BeGreaterThan(users.Length, "the tokens kept expiring, so each user was refreshed again and again");
        google.ReuseDetections.Should().Be(0, "a consumed refresh token was presented again by this process");
        google.Grants.Should().OnlyContain(g => g.RevocationReason == null);
        failures.Should().BeEmpty();
        foreach (var user in users)
        {
            var stored = (await host.Store.GetAsync(user))!;
            google.IsLive(stored.RefreshToken!).Should().BeTrue("the stored refresh token is the grant's live one");
            google.GrantOf(stored.AccessToken).Should().Be(google.GrantOf(stored.RefreshToken!));
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets;
using PayPulse.OAuthSecrets.Gmail;
using PayPulse.OAuthSecrets.Sample;

// The library's main job, end to end: a user connects Gmail, a Lambda reads the tokens and gets a Gmail credential
// (refreshed and written back), the user reconnects with another Google account, Google revokes the grant (the secret
// is deleted), and a user disconnects. By default secrets are kept in process (no AWS account needed) and Google's
// token endpoint is played by a stand-in on 127.0.0.1. Against moto or AWS:
//   dotnet run --project samples/PayPulse.OAuthSecrets.Sample -- \
//     --PayPulse:OAuthSecrets:UseInProcessSecretStore=false --PayPulse:OAuthSecrets:Region=us-east-1 \
//     [--PayPulse:OAuthSecrets:ServiceUrl=http://127.0.0.1:5000]
await using var google = GoogleTokenEndpointStandIn.Start();
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddPayPulseOAuthSecrets(builder.Configuration.GetSection(OAuthSecretsOptions.DefaultSectionName));
builder.Services.PostConfigure<OAuthSecretsOptions>(o =>
{
    if (builder.Configuration[$"{OAuthSecretsOptions.DefaultSectionName}:{nameof(OAuthSecretsOptions.TokenEndpoint)}"] is null)
    {
        o.TokenEndpoint = google.TokenUri;
    }
});
using var host = builder.Build();
await host.StartAsync();

var options = host.Services.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value;
var store = host.Services.GetRequiredService<IOAuthTokenStore>();
var credentials = host.Services.GetRequiredService<IGmailCredentialFactory>();
var run = Guid.NewGuid().ToString("N")[..12];
var userId = "sample-" + run;
var alice = new GoogleUserInfo("104857600000000000001", "alice@example.com", "Alice", VerifiedEmail: true);
var bob = new GoogleUserInfo("104857600000000000002", "bob@example.com", "Bob", VerifiedEmail: true);
var ok = true;

Console.WriteLine(options.UseInProcessSecretStore
    ? "PayPulse.OAuthSecrets sample: secrets kept in this process (no AWS account needed)."
    : $"PayPulse.OAuthSecrets sample: AWS Secrets Manager in {options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION")}" +
      (options.ServiceUrl is null ? "." : $" at {options.ServiceUrl}."));
Console.WriteLine($"Google's token endpoint: {options.TokenEndpoint}. User {userId}, secret {options.SecretNamePrefix}{userId}.");
Console.WriteLine("Token values are never printed.");

// 1. The phone finished OAuth: the backend stores the grant. This one expires in two minutes, so a refresh is due.
var stored = await store.StoreAsync(userId, new OAuthTokenGrant("ya29.first-access", "1//alice-refresh", TimeSpan.FromMinutes(2)), alice);
Step(1, "Store (user connects Gmail)", $"secret {(stored.Created ? "created" : "updated")} for {stored.Bundle.GoogleUser?.Email}; {Describe(stored.Bundle)}", stored.Created);

// 2. A Lambda reads the bundle.
var read = await store.GetAsync(userId);
Step(2, "Get (a Lambda reads the tokens)", read is null ? "not found" : Describe(read), read is not null);

// 3. A Lambda asks for a Gmail credential: it expires within RefreshBeforeExpiry, so it is refreshed and written back.
var credential = await credentials.CreateAsync(userId);
var afterRefresh = await store.GetAsync(userId);
Step(3, "Gmail credential (refresh before use)",
    $"{google.RequestCount} token request; credential token {(credential.Token.AccessToken == read?.AccessToken ? "unchanged" : "new")}; " +
    $"written back: {afterRefresh?.AccessToken == credential.Token.AccessToken}, scope and Google account kept: " +
    $"{afterRefresh?.Scope == read?.Scope && afterRefresh?.GoogleUser == read?.GoogleUser}",
    afterRefresh?.AccessToken == credential.Token.AccessToken && afterRefresh?.GoogleUser == alice);

// 4. Other code refreshed the tokens itself (with the stored refresh token) and records them: written only while the
//    secret still holds that grant, so a reconnect in between is never overwritten.
var updated = await store.UpdateRefreshedAsync(
    userId, afterRefresh!.RefreshToken!, new OAuthTokenGrant("ya29.refreshed-elsewhere", RefreshToken: null, TimeSpan.FromHours(1)));
Step(4, "Update (tokens refreshed by other code)",
    $"refresh token kept: {updated.RefreshToken == afterRefresh?.RefreshToken}, scope kept: {updated.Scope == afterRefresh?.Scope}",
    updated.RefreshToken == afterRefresh?.RefreshToken);

// 5. The user reconnects with another Google account.
var switched = await store.StoreAsync(userId, new OAuthTokenGrant("ya29.bob-access", "1//bob-refresh", TimeSpan.FromSeconds(30)), bob);
Step(5, "Store again (user reconnects with another Google account)",
    switched.AccountSwitched ? $"account switch detected: {switched.PreviousGoogleEmail} -> {switched.Bundle.GoogleUser?.Email}" : "no switch detected",
    switched.AccountSwitched);

// 6. Bob revokes PayPulse's access in his Google account: the next refresh gets invalid_grant.
google.Revoke("1//bob-refresh");
try
{
    await credentials.CreateAsync(userId);
    Step(6, "Gmail credential after revocation", "no error", false);
}
catch (OAuthTokenRevokedException ex)
{
    var gone = await store.GetAsync(userId) is null;
    Step(6, "Gmail credential after revocation", $"{nameof(OAuthTokenRevokedException)}; secret deleted: {gone} (the app asks the user to reconnect)", ex.SecretDeleted && gone);
}

// 7. Another user disconnects Gmail.
var other = "sample-" + run + "-2";
await store.StoreAsync(other, new OAuthTokenGrant("ya29.other", "1//other", TimeSpan.FromHours(1)));
await store.DeleteAsync(other);
var deleted = await store.GetAsync(other) is null;
Step(7, "Delete (user disconnects)", deleted ? "secret force-deleted; Get returns null" : "the secret is still there", deleted);

await host.StopAsync();
Console.WriteLine(ok ? "Done: every step behaved as expected." : "FAILED: a step did not behave as expected.");
return ok ? 0 : 1;

void Step(int number, string title, string outcome, bool passed)
{
    ok &= passed;
    Console.WriteLine($"{number}. {title}: {outcome}{(passed ? string.Empty : "  <-- unexpected")}");
}

static string Describe(OAuthTokenBundle bundle) =>
    $"access token {bundle.AccessToken.Length} chars, refresh token {(bundle.RefreshToken is null ? "none" : "stored")}, " +
    $"expires {bundle.ExpiresAt:u}, scope '{bundle.Scope}'";

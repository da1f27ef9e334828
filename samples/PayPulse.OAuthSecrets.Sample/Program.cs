using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets;

// The library's main job, end to end: a user connects Gmail, a Lambda reads the tokens, a refresh writes new ones,
// the user reconnects with another Google account, and a revoked grant deletes the secret.
// By default secrets are kept in process (no AWS account needed). Against moto or AWS:
//   dotnet run --project samples/PayPulse.OAuthSecrets.Sample -- \
//     --PayPulse:OAuthSecrets:UseInProcessSecretStore=false --PayPulse:OAuthSecrets:Region=us-east-1 \
//     [--PayPulse:OAuthSecrets:ServiceUrl=http://127.0.0.1:5000]
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddPayPulseOAuthSecrets(builder.Configuration.GetSection(OAuthSecretsOptions.DefaultSectionName));
using var host = builder.Build();
await host.StartAsync();

var options = host.Services.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value;
var store = host.Services.GetRequiredService<IOAuthTokenStore>();
var userId = "sample-" + Guid.NewGuid().ToString("N")[..12];
var alice = new GoogleUserInfo("104857600000000000001", "alice@example.com", "Alice", VerifiedEmail: true);
var bob = new GoogleUserInfo("104857600000000000002", "bob@example.com", "Bob", VerifiedEmail: true);

Console.WriteLine(options.UseInProcessSecretStore
    ? "PayPulse.OAuthSecrets sample: secrets kept in this process (no AWS account needed)."
    : $"PayPulse.OAuthSecrets sample: AWS Secrets Manager in {options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION")}" +
      (options.ServiceUrl is null ? "." : $" at {options.ServiceUrl}."));
Console.WriteLine($"User {userId}, secret {options.SecretNamePrefix}{userId}. Token values are never printed.");

var stored = await store.StoreAsync(userId, new OAuthTokenGrant("ya29.first-access", "1//first-refresh", TimeSpan.FromHours(1)), alice);
Step(1, "Store (user connects Gmail)", $"secret {(stored.Created ? "created" : "updated")} for {stored.Bundle.GoogleUser?.Email}; {Describe(stored.Bundle)}");

var read = await store.GetAsync(userId) ?? throw new InvalidOperationException("The stored bundle was not found.");
Step(2, "Get (a Lambda reads the tokens)", Describe(read));

var updated = await store.UpdateAsync(userId, new OAuthTokenGrant("ya29.refreshed-access", RefreshToken: null, TimeSpan.FromHours(1), Scope: null));
Step(3, "Update (after a token refresh)",
    $"access token {(updated.AccessToken == read.AccessToken ? "unchanged" : "replaced")}, refresh token " +
    $"{(updated.RefreshToken == read.RefreshToken ? "kept" : "changed")}, scope kept: {updated.Scope == read.Scope}, " +
    $"Google account kept: {updated.GoogleUser == read.GoogleUser}");

var switched = await store.StoreAsync(userId, new OAuthTokenGrant("ya29.bob-access", "1//bob-refresh", TimeSpan.FromHours(1)), bob);
Step(4, "Store again (user reconnects with another Google account)",
    switched.AccountSwitched
        ? $"account switch detected: {switched.PreviousGoogleEmail} -> {switched.Bundle.GoogleUser?.Email}"
        : "no account switch detected");

await store.DeleteAsync(userId);
var afterDelete = await store.GetAsync(userId);
Step(5, "Delete (refresh token revoked: the user must reconnect)",
    afterDelete is null ? "secret force-deleted; Get now returns null" : "the secret is still there");

await host.StopAsync();
var ok = stored.Created && updated.Scope == read.Scope && switched.AccountSwitched && afterDelete is null;
Console.WriteLine(ok ? "Done: every step behaved as expected." : "FAILED: a step did not behave as expected.");
return ok ? 0 : 1;

static void Step(int number, string title, string outcome) => Console.WriteLine($"{number}. {title}: {outcome}");

static string Describe(OAuthTokenBundle bundle) =>
    $"access token {bundle.AccessToken.Length} chars, refresh token {(bundle.RefreshToken is null ? "none" : "stored")}, " +
    $"expires {bundle.ExpiresAt:u}, scope '{bundle.Scope}'";

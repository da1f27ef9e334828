using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets;
using PayPulse.OAuthSecrets.Maintenance;
using PayPulse.OAuthSecrets.MaintenanceSweep;
using PayPulse.OAuthSecrets.Sample;

// The maintenance sweep as a scheduled job would run it (a cron job, an ECS scheduled task, a Lambda on a schedule):
// IOAuthTokenMaintenance.SweepAsync over every user secret, with a live progress line and the report at the end.
//
// By default the secrets are kept in process (no AWS account needed): 200 demo users are seeded in every state (valid,
// expiring, expired, idle for 40+ days, revoked at Google, without refresh token, abandoned, malformed) and Google's
// token endpoint is played by a stand-in on 127.0.0.1 that refuses the "revoked" grants with invalid_grant.
//   dotnet run --project samples/PayPulse.OAuthSecrets.MaintenanceSweep -- --dry-run --keep-alive --delete-abandoned
//   dotnet run --project samples/PayPulse.OAuthSecrets.MaintenanceSweep -- --keep-alive --delete-revoked --delete-abandoned
// Against moto or AWS, nothing is seeded unless asked: the sweep covers the secrets under SecretNamePrefix and nothing
// else, refreshing at Google's real token endpoint (or PayPulse:OAuthSecrets:TokenEndpoint).
//   dotnet run --project samples/PayPulse.OAuthSecrets.MaintenanceSweep -- \
//     --PayPulse:OAuthSecrets:UseInProcessSecretStore=false --PayPulse:OAuthSecrets:Region=us-east-1 \
//     [--PayPulse:OAuthSecrets:ServiceUrl=http://127.0.0.1:5000] [--seed 200] --keep-alive --delete-revoked --delete-abandoned
// With --seed N the demo users are created under their own prefix, {SecretNamePrefix}demo-{run}/, the sweep covers only
// that prefix, and the stand-in answers token requests: real users' secrets are never read or refreshed by a demo run.
// The last lines print how to sweep the same demo users again. On AWS the demo users are real secrets, billed until
// deleted (the sweep deletes only the revoked and abandoned ones).
//
// Switches (each sets a key of the Sweep section, bound to OAuthTokenSweepOptions; appsettings.json holds the defaults,
// and any --Section:Key=value is accepted as well):
//   --dry-run                  Sweep:DryRun                classify and count what would be done; change nothing
//   --keep-alive               Sweep:KeepAlive             refresh grants last written more than KeepAliveAfter ago
//   --delete-revoked           Sweep:DeleteRevoked         with --keep-alive: delete a secret Google answers invalid_grant for
//   --delete-abandoned         Sweep:DeleteAbandoned       delete secrets with no refresh token expired AbandonedAfter ago
//   --keep-alive-after T       Sweep:KeepAliveAfter        default 30.00:00:00 (days.hours:minutes:seconds)
//   --abandoned-after T        Sweep:AbandonedAfter        default 30.00:00:00
//   --max-writes-per-second N  Sweep:MaxWritesPerSecond    Secrets Manager writes in any one second, 1-50, default 5
//   --max-concurrency N        Sweep:MaxConcurrency        secrets read at a time, 1-256, default 8
//   --price-per-secret D       Sweep:MonthlyPricePerSecret default 0.40 (dollars a secret a month)
//   --seed N                   Demo:Seed                   demo users to seed first: default 200 in process, 0 otherwise
//   --google-stand-in          Demo:GoogleStandIn          the loopback stand-in for Google: default on in process or with --seed
//   --verbose                  one log line per action taken (the library's events 4001-4010, at Information)
// Flags take an optional value (--dry-run=false). Log lines go to standard error; progress and report to standard output.
// Progress is one line rewritten in place on a terminal, and a line a second otherwise. No token value is ever printed.
//
// Exit codes: 0 the sweep completed and nothing failed; 2 it completed but some secrets failed (report's Failed, each
// logged at Warning; the next sweep tries them again); 1 it could not run (configuration, credentials, listing failed);
// 64 a bad switch or option value; 130 cancelled (Ctrl+C or SIGTERM): actions already started are finished, the progress
// so far is printed, and no report.
if (args.Any(a => a is "--help" or "-h" or "-?"))
{
    Console.WriteLine(SweepCommandLine.Usage);
    return 0;
}

var configurationArgs = SweepCommandLine.Rewrite(args, out var argumentError);
if (configurationArgs is null)
{
    Console.Error.WriteLine(argumentError);
    Console.Error.WriteLine(SweepCommandLine.Usage);
    return 64;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = configurationArgs, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
builder.Logging.AddConsole(o => o.FormatterName = OneLineConsoleFormatter.FormatterName).AddConsoleFormatter<OneLineConsoleFormatter, ConsoleFormatterOptions>();
builder.Services.AddPayPulseOAuthSecrets(builder.Configuration.GetSection(OAuthSecretsOptions.DefaultSectionName));

var sweepOptions = new OAuthTokenSweepOptions();
int seed;
bool standIn;
bool inProcess;
try
{
    builder.Configuration.GetSection(SweepCommandLine.SweepSection).Bind(sweepOptions);
    inProcess = builder.Configuration.GetValue<bool>($"{OAuthSecretsOptions.DefaultSectionName}:{nameof(OAuthSecretsOptions.UseInProcessSecretStore)}");
    seed = builder.Configuration.GetValue<int?>(SweepCommandLine.SeedKey) ?? (inProcess ? 200 : 0);
    standIn = builder.Configuration.GetValue<bool?>(SweepCommandLine.GoogleStandInKey) ?? (inProcess || seed > 0);
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine($"Bad option value: {ex.Message}{(ex.InnerException is null ? string.Empty : " " + ex.InnerException.Message)}");
    return 64;
}

if (seed is < 0 or > DemoPopulation.MaxUsers)
{
    Console.Error.WriteLine($"--seed must be 0 to {DemoPopulation.MaxUsers}.");
    return 64;
}

var tokenEndpointConfigured = builder.Configuration[$"{OAuthSecretsOptions.DefaultSectionName}:{nameof(OAuthSecretsOptions.TokenEndpoint)}"] is not null;
await using var google = standIn && !tokenEndpointConfigured ? GoogleTokenEndpointStandIn.Start() : null;
var run = Guid.NewGuid().ToString("N")[..8];
builder.Services.PostConfigure<OAuthSecretsOptions>(o =>
{
    if (google is not null)
    {
        o.TokenEndpoint = google.TokenUri;
    }

    if (seed > 0)
    {
        // The demo users live under a prefix of their own, and the sweep covers only them.
        o.SecretNamePrefix += $"demo-{run}/";
    }
});

using var host = builder.Build();
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
OAuthSecretsOptions options;
try
{
    await host.StartAsync();
    options = host.Services.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"The configuration is not valid: {ex.Message}");
    return 1;
}

Console.WriteLine(options.UseInProcessSecretStore
    ? "PayPulse.OAuthSecrets maintenance sweep: secrets kept in this process (no AWS account needed)."
    : $"PayPulse.OAuthSecrets maintenance sweep: AWS Secrets Manager in {options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION")}" +
      (options.ServiceUrl is null ? "." : $" at {options.ServiceUrl}."));
Console.WriteLine(
    $"Secrets under '{options.SecretNamePrefix}'; Google's token endpoint: {(google is null ? options.TokenEndpoint.ToString() : $"a stand-in at {google.TokenUri}")}. " +
    "Token values are never printed.");
Console.WriteLine(Describe(sweepOptions));

var exitCode = 1;
try
{
    if (seed > 0)
    {
        var population = DemoPopulation.Create(seed, options.SecretNamePrefix, DateTimeOffset.UtcNow);
        var seeding = Stopwatch.StartNew();
        await SeedAsync(host.Services, options, population, stopping);
        Console.WriteLine(Invariant($"Seeded {seed} demo users under {population.Prefix} in {seeding.Elapsed.TotalSeconds:0.0} s: {population.Describe()}."));
        Console.WriteLine("  (idle: last written 40+ days ago; revoked: idle, and refused by Google; abandoned: no refresh token, expired 45+ days ago)");
    }

    var maintenance = host.Services.GetRequiredService<IOAuthTokenMaintenance>();
    OAuthTokenSweepReport report;
    var printer = new SweepProgressPrinter(Console.Out, inPlace: !Console.IsOutputRedirected);
    try
    {
        report = await maintenance.SweepAsync(sweepOptions, printer, stopping);
    }
    finally
    {
        await printer.DisposeAsync();
    }

    PrintReport(report, sweepOptions);
    if (seed > 0 && !options.UseInProcessSecretStore)
    {
        Console.WriteLine("To sweep these demo users again, add:");
        Console.WriteLine($"  --PayPulse:OAuthSecrets:SecretNamePrefix={options.SecretNamePrefix} --google-stand-in");
    }

    exitCode = report.Failed > 0 ? 2 : 0;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    Console.WriteLine("Cancelled: the actions already started were finished; the progress above is where the sweep stopped (no report).");
    exitCode = 130;
}
catch (ArgumentOutOfRangeException ex)
{
    Console.Error.WriteLine($"Bad option value: {ex.Message.Split('\n')[0].Trim()}");
    exitCode = 64;
}
catch (Exception ex) when (ex is OAuthSecretsException or HttpRequestException or InvalidOperationException or Amazon.Runtime.AmazonClientException)
{
    Console.Error.WriteLine($"Failed: {ex.Message}");
    exitCode = 1;
}

await host.StopAsync(CancellationToken.None);
return exitCode;

static async Task SeedAsync(IServiceProvider services, OAuthSecretsOptions options, DemoPopulation population, CancellationToken cancellationToken)
{
    if (options.UseInProcessSecretStore)
    {
        var store = services.GetRequiredService<InProcessSecretStore>();
        foreach (var secret in population.Secrets)
        {
            store.SetSecretString(secret.Name, secret.Value);
        }

        return;
    }

    var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(OAuthSecretsHttpClientNames.SecretsManager);
    var writer = await SecretsManagerSeedWriter.CreateAsync(options, http);
    await Parallel.ForEachAsync(
        population.Secrets,
        new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
        (secret, token) => new ValueTask(writer.CreateSecretAsync(secret.Name, secret.Value, token)));
}

static string Describe(OAuthTokenSweepOptions o)
{
    var actions = new List<string>();
    if (o.KeepAlive)
    {
        actions.Add(Invariant($"keep alive grants idle for {o.KeepAliveAfter.TotalDays:0.##} days"));
    }

    if (o.DeleteRevoked)
    {
        actions.Add(o.KeepAlive ? "delete revoked" : "delete revoked (found only with --keep-alive)");
    }

    if (o.DeleteAbandoned)
    {
        actions.Add(Invariant($"delete abandoned after {o.AbandonedAfter.TotalDays:0.##} days"));
    }

    var dryRun = o.DryRun ? " (dry run: nothing is changed)" : string.Empty;
    var what = actions.Count == 0 ? "classify only (no action switched on)" : string.Join(", ", actions);
    return Invariant($"Sweep{dryRun}: {what}; at most {o.MaxWritesPerSecond} writes a second, {o.MaxConcurrency} reads at a time.");
}

static void PrintReport(OAuthTokenSweepReport report, OAuthTokenSweepOptions o)
{
    var seconds = report.Elapsed.TotalSeconds;
    Console.WriteLine(report.DryRun ? "Report (dry run: the actions are what would be done):" : "Report:");
    Line("Scanned", report.Scanned);
    Line("Valid", report.Valid);
    Line("Expiring", report.Expiring);
    Line("Expired", report.Expired);
    Line("Without refresh token", report.WithoutRefreshToken);
    Line("Malformed", report.Malformed);
    Line("Revoked", report.Revoked);
    Line("Kept alive", report.KeptAlive);
    Line("Deleted (revoked)", report.DeletedRevoked);
    Line("Deleted (abandoned)", report.DeletedAbandoned);
    Line("Failed", report.Failed);
    Console.WriteLine(Invariant($"  {"Elapsed",-24}{seconds,8:0.00} s ({(seconds > 0 ? report.Scanned / seconds : 0):0} secrets/s)"));
    Console.WriteLine(Invariant(
        $"  {"Monthly savings",-24}{report.MonthlySavings,8:0.00} $ ({report.Deleted} secrets deleted × {o.MonthlyPricePerSecret:0.00} $)"));

    static void Line(string label, int value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-24}{value,8}"));
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

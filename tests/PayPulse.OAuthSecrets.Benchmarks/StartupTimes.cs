using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace PayPulse.OAuthSecrets.Benchmarks;

/// <summary>
/// A measuring program for cold starts: the time from starting a process to its first <c>GetAsync</c> done, side by
/// side with <c>python3</c> + boto3 doing the same <c>get_secret_value</c> against one moto server. It publishes the
/// start-up probe (tests/PayPulse.OAuthSecrets.StartupProbe) as JIT, ReadyToRun and Native AOT, then runs every variant
/// once per round, in a new order each round, so that the load of a busy machine falls on all of them alike. Prints
/// medians, ratios to boto3, the library's own share on the in-process store, the probe's phases, and the targets.
/// </summary>
internal static class StartupTimes
{
    private const string UserId = "startup-probe";
    private const string SecretName = "gmail/user/" + UserId;
    private const double LibraryShareTargetMs = 50;
    private const double JitTargetRatio = 0.8;
    private const double ReadyToRunTargetRatio = 0.6;

    private const string Boto3Script = """
        import sys
        import boto3
        client = boto3.client("secretsmanager", endpoint_url=sys.argv[1])
        client.get_secret_value(SecretId=sys.argv[2])
        print("done", flush=True)
        """;

    private static readonly string[] PhaseNames = ["BuildServiceProvider", "IStartupValidator.Validate", "resolve IOAuthTokenStore", "first GetAsync"];

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = ReadRounds(args);
        var root = MachineFacts.RepositoryRoot();
        var output = Path.Combine(AppContext.BaseDirectory, "startup-probe");
        Console.WriteLine($"Start-up: {rounds} interleaved rounds after one warm-up round; {Environment.ProcessorCount} cores; load {MachineFacts.LoadAverage()}.");

        var probe = Path.Combine(root, "tests", "PayPulse.OAuthSecrets.StartupProbe", "PayPulse.OAuthSecrets.StartupProbe.csproj");
        var flavours = new List<Flavour>();
        foreach (var (name, publishArgs) in new[]
                 {
                     ("JIT", new[] { "-p:PublishReadyToRun=false" }),
                     ("ReadyToRun", new[] { "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", "-p:PublishReadyToRun=true" }),
                     ("Native AOT", new[] { "-r", RuntimeInformation.RuntimeIdentifier, "-p:PublishAot=true" }),
                 })
        {
            var directory = Path.Combine(output, name.Replace(' ', '-'));
            var published = await PublishAsync(probe, directory, publishArgs);
            if (published is null)
            {
                Console.WriteLine($"{name}: publishing the probe failed; not measured.");
                continue;
            }

            flavours.Add(new Flavour(name, published));
        }

        var script = Path.Combine(output, "get_secret_value.py");
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(script, Boto3Script);

        await using var moto = await MotoProcess.StartAsync(Path.Combine(root, "tests", "PayPulse.OAuthSecrets.IntegrationTests", "Scripts", "moto_launcher.py"));
        await SeedAsync(moto.ServiceUrl);
        var url = moto.ServiceUrl.ToString();

        var variants = new List<Variant> { new("python3 + boto3", "python3", [script, url, SecretName], Kind.Boto3, null) };
        foreach (var flavour in flavours)
        {
            variants.Add(new($"{flavour.Name}, moto", flavour.Executable, ["moto", url, UserId], Kind.Moto, flavour.Name));
            variants.Add(new($"{flavour.Name}, in-process store", flavour.Executable, ["in-process", UserId], Kind.InProcess, flavour.Name));
            variants.Add(new($"{flavour.Name}, without the library", flavour.Executable, ["without-library", UserId], Kind.WithoutLibrary, flavour.Name));
        }

        var random = new Random(20261202);
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var variant in variants.OrderBy(_ => random.Next()).ToList())
            {
                var run = await RunOnceAsync(variant);
                if (round > 0)
                {
                    variant.Runs.Add(run);
                }
            }
        }

        return Report(variants, rounds);
    }

    private static int Report(List<Variant> variants, int rounds)
    {
        var boto3 = Median(variants[0].Runs.Select(r => r.TotalMs));
        Console.WriteLine();
        Console.WriteLine($"Process start to first get done, medians of {rounds} (ms):");
        Console.WriteLine();
        Console.WriteLine("| Variant | Median | Min | Max | × boto3 |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var variant in variants)
        {
            var totals = variant.Runs.Select(r => r.TotalMs).ToList();
            Console.WriteLine(Invariant($"| {variant.Name} | {Median(totals):0} | {totals.Min():0} | {totals.Max():0} | {Median(totals) / boto3:0.00} |"));
        }

        Console.WriteLine();
        Console.WriteLine("Inside the probe, medians (ms); the rest is the runtime's start and the probe's own output:");
        Console.WriteLine();
        Console.WriteLine($"| Variant | {string.Join(" | ", PhaseNames)} | Rest |");
        Console.WriteLine($"| --- |{string.Concat(Enumerable.Repeat(" ---: |", PhaseNames.Length + 1))}");
        foreach (var variant in variants.Where(v => v.Kind != Kind.Boto3))
        {
            var phases = Enumerable.Range(0, PhaseNames.Length).Select(i => Median(variant.Runs.Select(r => r.Phases[i]))).ToList();
            var rest = Median(variant.Runs.Select(r => r.TotalMs - r.Phases.Sum()));
            Console.WriteLine(Invariant($"| {variant.Name} | {string.Join(" | ", phases.Select(p => p.ToString("0.0", CultureInfo.InvariantCulture)))} | {rest:0.0} |"));
        }

        Console.WriteLine();
        var missed = 0;
        foreach (var group in variants.Where(v => v.Flavour is not null).GroupBy(v => v.Flavour!))
        {
            var withLibrary = group.Single(v => v.Kind == Kind.InProcess);
            var without = group.Single(v => v.Kind == Kind.WithoutLibrary);
            var share = Median(withLibrary.Runs.Select(r => r.TotalMs)) - Median(without.Runs.Select(r => r.TotalMs));
            var paired = Median(withLibrary.Runs.Zip(without.Runs, (a, b) => a.TotalMs - b.TotalMs));
            var line = Invariant($"{group.Key}: the library's share on the in-process store {share:0} ms (median of the round-by-round differences {paired:0} ms)");
            if (group.Key == "JIT")
            {
                missed += Target(line, share <= LibraryShareTargetMs, Invariant($"target ≤ {LibraryShareTargetMs:0} ms"));
            }
            else
            {
                Console.WriteLine(line);
            }
        }

        foreach (var (flavour, target) in new[] { ("JIT", JitTargetRatio), ("ReadyToRun", ReadyToRunTargetRatio) })
        {
            var moto = variants.SingleOrDefault(v => v.Kind == Kind.Moto && v.Flavour == flavour);
            if (moto is null)
            {
                missed += Target($"{flavour}: first GetAsync on moto not measured", ok: false, Invariant($"target ≤ {target:0.0}× boto3"));
                continue;
            }

            var ratio = Median(moto.Runs.Select(r => r.TotalMs)) / boto3;
            missed += Target(Invariant($"{flavour}: first GetAsync on moto {ratio:0.00}× boto3"), ratio <= target, Invariant($"target ≤ {target:0.0}×"));
        }

        Console.WriteLine($"Load afterwards: {MachineFacts.LoadAverage()}.");
        Console.WriteLine(missed == 0 ? "All start-up targets met." : $"{missed} start-up target(s) missed.");
        return missed == 0 ? 0 : 1;
    }

    private static int Target(string line, bool ok, string target)
    {
        Console.WriteLine($"{(ok ? "ok  " : "MISS")} {line} ({target})");
        return ok ? 0 : 1;
    }

    /// <summary>One run: the time from <see cref="Process.Start()"/> to the child's "done" line, and its phases.</summary>
    private static async Task<Run> RunOnceAsync(Variant variant)
    {
        var start = new ProcessStartInfo(variant.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in variant.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        SetAwsEnvironment(start.Environment);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{variant.FileName} did not start.");
        var errors = process.StandardError.ReadToEndAsync();
        double? total = null;
        double[] phases = new double[PhaseNames.Length];
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == "done")
            {
                total = clock.Elapsed.TotalMilliseconds;
            }
            else if (line.StartsWith("phases ", StringComparison.Ordinal))
            {
                phases = line["phases ".Length..].Split(' ').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            }
        }

        await process.WaitForExitAsync();
        if (total is null || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{variant.Name} failed (exit code {process.ExitCode}): {await errors}");
        }

        return new Run(total.Value, phases);
    }

    /// <summary>What a Lambda has: a Region and session credentials in the environment, and nothing else to find.</summary>
    private static void SetAwsEnvironment(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(name);
        }

        environment["AWS_REGION"] = "us-east-1";
        environment["AWS_DEFAULT_REGION"] = "us-east-1";
        environment["AWS_ACCESS_KEY_ID"] = "AKIDSTARTUPPROBE";
        environment["AWS_SECRET_ACCESS_KEY"] = "startup-probe-secret";
        environment["AWS_SESSION_TOKEN"] = "startup-probe-session";
        environment["AWS_EC2_METADATA_DISABLED"] = "true";
        environment["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
    }

    private static async Task SeedAsync(Uri serviceUrl)
    {
        await using var services = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o =>
            {
                o.Region = "us-east-1";
                o.ServiceUrl = serviceUrl;
                o.Credentials = new BasicAWSCredentials("AKIDSTARTUPPROBE", "startup-probe-secret");
                o.GoogleClientId = "startup-probe.apps.googleusercontent.com";
            })
            .BuildServiceProvider();
        await services.GetRequiredService<IOAuthTokenStore>()
            .StoreAsync(UserId, new OAuthTokenGrant("ya29.startup-probe", "1//startup-probe", TimeSpan.FromHours(1)));
    }

    /// <summary>Publishes the probe; returns the executable, or null (after printing why) when publishing failed.</summary>
    private static async Task<string?> PublishAsync(string project, string directory, string[] publishArgs)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-o", directory, "-nologo", "-v", "quiet" }.Concat(publishArgs))
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            Console.WriteLine(await stdout);
            Console.WriteLine(await stderr);
            return null;
        }

        Console.WriteLine(Invariant($"Published {Path.GetFileName(directory)} in {clock.Elapsed.TotalSeconds:0} s."));
        return Path.Combine(directory, "PayPulse.OAuthSecrets.StartupProbe");
    }

    private static int ReadRounds(string[] args)
    {
        var index = Array.IndexOf(args, "--rounds");
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : 10;
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private enum Kind
    {
        Boto3,
        Moto,
        InProcess,
        WithoutLibrary,
    }

    private sealed record Flavour(string Name, string Executable);

    private sealed record Run(double TotalMs, double[] Phases);

    private sealed record Variant(string Name, string FileName, string[] Arguments, Kind Kind, string? Flavour)
    {
        public List<Run> Runs { get; } = [];
    }
}

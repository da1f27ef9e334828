namespace PayPulse.OAuthSecrets.MaintenanceSweep;

/// <summary>
/// Turns the sample's switches (<c>--dry-run</c>, <c>--max-writes-per-second 20</c>, …) into configuration keys
/// (<c>--Sweep:DryRun=true</c>, …) for the host's command-line configuration; every <c>--Section:Key=value</c> argument
/// passes through unchanged, so anything in appsettings.json can be set from the command line too.
/// </summary>
internal static class SweepCommandLine
{
    /// <summary>The configuration section bound to <see cref="Maintenance.OAuthTokenSweepOptions"/>.</summary>
    public const string SweepSection = "Sweep";

    /// <summary>The configuration key of the number of demo users to seed.</summary>
    public const string SeedKey = "Demo:Seed";

    /// <summary>The configuration key that chooses the loopback stand-in for Google's token endpoint.</summary>
    public const string GoogleStandInKey = "Demo:GoogleStandIn";

    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--dry-run"] = "Sweep:DryRun",
        ["--keep-alive"] = "Sweep:KeepAlive",
        ["--delete-revoked"] = "Sweep:DeleteRevoked",
        ["--delete-abandoned"] = "Sweep:DeleteAbandoned",
        ["--google-stand-in"] = GoogleStandInKey,
    };

    private static readonly Dictionary<string, string> Valued = new(StringComparer.Ordinal)
    {
        ["--keep-alive-after"] = "Sweep:KeepAliveAfter",
        ["--abandoned-after"] = "Sweep:AbandonedAfter",
        ["--max-writes-per-second"] = "Sweep:MaxWritesPerSecond",
        ["--max-concurrency"] = "Sweep:MaxConcurrency",
        ["--price-per-secret"] = "Sweep:MonthlyPricePerSecret",
        ["--seed"] = SeedKey,
    };

    public const string Usage = """
        Usage: PayPulse.OAuthSecrets.MaintenanceSweep [switches] [--Section:Key=value ...]
          --dry-run                   classify and report what would be done; change nothing
          --keep-alive                refresh grants last written more than --keep-alive-after ago
          --delete-revoked            with --keep-alive: delete the secret when Google answers invalid_grant
          --delete-abandoned          delete secrets with no refresh token expired more than --abandoned-after ago
          --keep-alive-after D.HH:MM:SS      default 30.00:00:00
          --abandoned-after D.HH:MM:SS       default 30.00:00:00
          --max-writes-per-second N   Secrets Manager writes in any one second, 1 to 50; default 5
          --max-concurrency N         secrets read at a time, 1 to 256; default 8
          --price-per-secret D        dollars a secret costs a month; default 0.40
          --seed N                    seed N demo users first (default 200 on the in-process store, 0 otherwise)
          --google-stand-in           answer token requests with the loopback stand-in (default: when seeding)
          --verbose                   log one line per action taken
          --help                      this text
        """;

    /// <summary>Rewrites <paramref name="args"/>; <see langword="null"/> and an error for an unknown switch.</summary>
    public static string[]? Rewrite(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var rewritten = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            string? inline = equals < 0 ? null : arg[(equals + 1)..];
            if (Flags.TryGetValue(name, out var flagKey))
            {
                rewritten.Add($"--{flagKey}={inline ?? "true"}");
            }
            else if (Valued.TryGetValue(name, out var valuedKey))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : null);
                if (value is null)
                {
                    error = $"{name} needs a value.";
                    return null;
                }

                rewritten.Add($"--{valuedKey}={value}");
            }
            else if (string.Equals(name, "--verbose", StringComparison.Ordinal))
            {
                rewritten.Add("--Logging:LogLevel:PayPulse.OAuthSecrets=Information");
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && name.Contains(':', StringComparison.Ordinal))
            {
                // A configuration key: --Key=value, or --Key value.
                rewritten.Add(arg);
                if (inline is null && i + 1 < args.Count)
                {
                    rewritten.Add(args[++i]);
                }
            }
            else
            {
                error = $"Unknown argument '{arg}'.";
                return null;
            }
        }

        return [.. rewritten];
    }
}

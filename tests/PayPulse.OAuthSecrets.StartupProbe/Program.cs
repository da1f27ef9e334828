using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets;

// One cold start, measured by the process that starts this one (the benchmarks' --startup mode):
//   moto <service-url> <user-id>   the library on Secrets Manager at <service-url>: Region and credentials come from
//                                  the environment (AWS_REGION, AWS_ACCESS_KEY_ID, ...), as in a Lambda
//   in-process <user-id>           the library on its in-process store, seeded with one bundle
//   without-library <user-id>      the same steps without the library: a container, a stand-in store, the bundle parsed
// It writes "done" as soon as the first read has returned, then one line of phase times in milliseconds:
// building the service provider, start-up validation, resolving the store, and the first read.
if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: StartupProbe moto <service-url> <user-id> | in-process <user-id> | without-library <user-id>");
    return 2;
}

var clock = Stopwatch.StartNew();
var phases = args[0] switch
{
    "moto" when args.Length >= 3 => await Probe.WithLibraryAsync(clock, new Uri(args[1]), args[2]),
    "in-process" => await Probe.WithLibraryAsync(clock, serviceUrl: null, args[1]),
    "without-library" => await Probe.WithoutLibraryAsync(clock, args[1]),
    _ => null,
};
if (phases is null)
{
    await Console.Error.WriteLineAsync($"unknown mode '{args[0]}'");
    return 2;
}

Console.Out.WriteLine("done");
Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"phases {string.Join(' ', phases.Select(p => p.ToString("0.0", CultureInfo.InvariantCulture)))}"));
Console.Out.Flush();
return 0;

/// <summary>The measured steps; each method is kept apart so that the run without the library never loads it.</summary>
internal static class Probe
{
    /// <summary>The bundle the in-process runs read, as the Python Lambdas write it.</summary>
    public const string Bundle =
        """{"access_token": "ya29.startup-probe-access-token", "refresh_token": "1//startup-probe-refresh-token", "expires_at": "2099-01-01T00:00:00.000000", "expires_in": 3599, "scope": "https://www.googleapis.com/auth/gmail.readonly", "token_type": "Bearer", "created_at": "2026-11-25T05:03:04.123456"}""";

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<double[]?> WithLibraryAsync(Stopwatch clock, Uri? serviceUrl, string userId)
    {
        var marks = new double[4];
        var services = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o =>
            {
                o.GoogleClientId = "startup-probe.apps.googleusercontent.com";
                if (serviceUrl is null)
                {
                    o.UseInProcessSecretStore = true;
                }
                else
                {
                    o.ServiceUrl = serviceUrl;
                }
            });
        await using var provider = services.BuildServiceProvider();
        marks[0] = clock.Elapsed.TotalMilliseconds;
        provider.GetService<IStartupValidator>()?.Validate();
        marks[1] = clock.Elapsed.TotalMilliseconds;
        var store = provider.GetRequiredService<IOAuthTokenStore>();
        marks[2] = clock.Elapsed.TotalMilliseconds;
        if (serviceUrl is null)
        {
            provider.GetRequiredService<InProcessSecretStore>().SetSecretString("gmail/user/" + userId, Bundle);
        }

        var bundle = await store.GetAsync(userId);
        marks[3] = clock.Elapsed.TotalMilliseconds;
        return bundle is null ? throw new InvalidOperationException($"No bundle is stored for '{userId}'.") : Deltas(marks);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<double[]?> WithoutLibraryAsync(Stopwatch clock, string userId)
    {
        var marks = new double[4];
        var services = new ServiceCollection();
        services.AddOptions<StandInOptions>().Configure(o => o.Prefix = "gmail/user/");
        services.AddSingleton(sp => new StandInStore(sp.GetRequiredService<IOptions<StandInOptions>>().Value));
        await using var provider = services.BuildServiceProvider();
        marks[0] = clock.Elapsed.TotalMilliseconds;
        provider.GetService<IStartupValidator>()?.Validate();
        marks[1] = clock.Elapsed.TotalMilliseconds;
        var store = provider.GetRequiredService<StandInStore>();
        marks[2] = clock.Elapsed.TotalMilliseconds;
        store.Secrets["gmail/user/" + userId] = Bundle;
        var accessToken = await store.GetAccessTokenAsync(userId);
        marks[3] = clock.Elapsed.TotalMilliseconds;
        return accessToken is null ? throw new InvalidOperationException($"No bundle is stored for '{userId}'.") : Deltas(marks);
    }

    private static double[] Deltas(double[] marks)
    {
        var deltas = new double[marks.Length];
        for (var i = 0; i < marks.Length; i++)
        {
            deltas[i] = marks[i] - (i == 0 ? 0 : marks[i - 1]);
        }

        return deltas;
    }
}

/// <summary>The options of the program without the library.</summary>
internal sealed class StandInOptions
{
    public string Prefix { get; set; } = "";
}

/// <summary>What the program without the library does instead: a dictionary of secrets, and the JSON read by hand.</summary>
internal sealed class StandInStore(StandInOptions options)
{
    public Dictionary<string, string> Secrets { get; } = new(StringComparer.Ordinal);

    public async Task<string?> GetAccessTokenAsync(string userId)
    {
        await Task.Yield();
        if (!Secrets.TryGetValue(options.Prefix + userId, out var json))
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("access_token").GetString();
    }
}

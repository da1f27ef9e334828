using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PayPulse.OAuthSecrets.Benchmarks;

/// <summary>
/// A moto server for the start-up measurement: the integration tests' launcher (moto_server with its staging-label
/// fix) run by <c>python3</c> on a free port on 127.0.0.1, killed on dispose.
/// </summary>
internal sealed class MotoProcess : IAsyncDisposable
{
    private readonly Process _process;

    private MotoProcess(Process process, Uri serviceUrl)
    {
        _process = process;
        ServiceUrl = serviceUrl;
    }

    public Uri ServiceUrl { get; }

    public static async Task<MotoProcess> StartAsync(string launcher)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { launcher, "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new MotoProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"moto exited with code {process.ExitCode} (is moto[server] 5.2.x installed for python3?).");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(server.ServiceUrl, "moto-api/config"));
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        await server.DisposeAsync();
        throw new TimeoutException("moto did not answer within 60 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

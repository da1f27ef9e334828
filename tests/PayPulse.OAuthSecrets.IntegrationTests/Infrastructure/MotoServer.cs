using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// A moto server child process listening on a free port on 127.0.0.1. Start one with
/// <see cref="StartAsync(MotoServerOptions?, CancellationToken)"/>; disposing it kills the process tree.
/// </summary>
/// <remarks>
/// By default the server is <c>Scripts/moto_launcher.py</c> run by <c>python3</c>: moto's own server
/// (<c>moto.server:main</c>, what <c>moto_server</c> runs) with moto 5.2.x's staging-label bug corrected, so that
/// <c>UpdateSecretVersionStage</c> moving <c>AWSCURRENT</c> behaves as AWS documents (see the script and
/// <see cref="MotoStagingLabelTests"/>). <see cref="MotoServerOptions.Executable"/> runs another executable instead.
/// </remarks>
public sealed class MotoServer : IAsyncDisposable
{
    /// <summary>The region the integration tests sign for and create secrets in.</summary>
    public const string Region = "us-east-1";

    /// <summary>The message of the exception thrown when <see cref="MotoServerOptions.Executable"/> is not on PATH.</summary>
    public const string NotFoundMessage =
        "moto_server (pip package moto[server]) is required for the integration tests and was not found on PATH";

    /// <summary>The message of the exception thrown when <see cref="MotoServerOptions.Python"/> is not on PATH.</summary>
    public const string PythonNotFoundMessage =
        "python3 (with the pip package moto[server] 5.2.x) is required for the integration tests and was not found on PATH";

    /// <summary>The start of the exception message when the launcher reports that moto is not importable.</summary>
    public const string MotoNotInstalledMessage =
        "moto (pip package moto[server] 5.2.x) is required for the integration tests and is not importable by the Python interpreter";

    /// <summary>The exit code of <c>moto_launcher.py</c> when moto is not importable (keep in step with the script).</summary>
    internal const int LauncherMotoMissingExitCode = 3;

    private const string LoopbackHost = "127.0.0.1";
    private const int MaxPortAttempts = 3;
    private const int OutputLinesKept = 200;

    // Served by moto's own API, which never runs the IAM check, so polling it does not use up
    // INITIAL_NO_AUTH_ACTION_COUNT. (moto 5.2.1 answers it with 201.)
    private const string ReadinessPath = "moto-api/config";

    private static readonly TimeSpan _pollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan _probeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan _shutdownTimeout = TimeSpan.FromSeconds(10);

    // Safety net: kill servers still running when the test host shuts down without disposing them.
    private static readonly ConcurrentDictionary<MotoServer, byte> _live = new();

    private readonly Process _process;
    private readonly OutputTail _output;
    private readonly HttpClient _http;
    private int _disposed;
    private volatile bool _exited;

    static MotoServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in _live.Keys)
            {
                server.Kill();
            }
        };
    }

    private MotoServer(Process process, OutputTail output, HttpClient http, int port, int? initialNoAuthActionCount)
    {
        _process = process;
        _output = output;
        _http = http;
        Port = port;
        ProcessId = process.Id;
        InitialNoAuthActionCount = initialNoAuthActionCount;
        ServiceUrl = http.BaseAddress!;
    }

    /// <summary>The server's base address, <c>http://127.0.0.1:{Port}/</c>.</summary>
    public Uri ServiceUrl { get; }

    /// <summary>The loopback TCP port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The process id of the server process.</summary>
    public int ProcessId { get; }

    /// <summary>The <c>INITIAL_NO_AUTH_ACTION_COUNT</c> the server was started with; <see langword="null"/> when auth is not enforced.</summary>
    public int? InitialNoAuthActionCount { get; }

    /// <summary>Whether the server process has exited.</summary>
    public bool HasExited => _exited || (Volatile.Read(ref _disposed) == 0 && ProcessHasExited());

    /// <summary>The last lines the server wrote to stdout and stderr (request log, tracebacks).</summary>
    public string RecentOutput => _output.ToString();

    /// <summary>Starts a moto server without auth enforcement.</summary>
    public static Task<MotoServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(options: null, cancellationToken);

    /// <summary>Starts a moto server, enforcing IAM auth when <paramref name="enforceAuthAfter"/> is not <see langword="null"/>.</summary>
    /// <param name="enforceAuthAfter">The <c>INITIAL_NO_AUTH_ACTION_COUNT</c>, or <see langword="null"/> for no enforcement.</param>
    /// <param name="cancellationToken">Cancels the start-up.</param>
    public static Task<MotoServer> StartAsync(int? enforceAuthAfter, CancellationToken cancellationToken = default) =>
        StartAsync(new MotoServerOptions { InitialNoAuthActionCount = enforceAuthAfter }, cancellationToken);

    /// <summary>The launcher script, copied next to the test assembly.</summary>
    public static string LauncherPath => Path.Combine(AppContext.BaseDirectory, "Scripts", "moto_launcher.py");

    /// <summary>
    /// Starts the moto server (by default the patched launcher, see <see cref="MotoServerOptions"/>) on a free
    /// loopback port and waits until it answers HTTP.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Python or <see cref="MotoServerOptions.Executable"/> is not on PATH, moto is not installed, the server exited
    /// during start-up, or it did not answer within <see cref="MotoServerOptions.StartupTimeout"/>; the message carries
    /// its captured output.
    /// </exception>
    public static async Task<MotoServer> StartAsync(MotoServerOptions? options, CancellationToken cancellationToken = default)
    {
        options ??= new MotoServerOptions();
        if (options.InitialNoAuthActionCount is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "InitialNoAuthActionCount must not be negative.");
        }

        var command = ResolveCommand(options);

        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            var port = FindFreePort();
            var output = new OutputTail(OutputLinesKept);
            var process = Launch(command, port, options, output);
            var http = CreateHttpClient(port);
            var server = new MotoServer(process, output, http, port, options.InitialNoAuthActionCount);
            _live.TryAdd(server, 0);
            try
            {
                var outcome = await server.WaitUntilReadyAsync(options.StartupTimeout - clock.Elapsed, cancellationToken);
                switch (outcome)
                {
                    case StartupOutcome.Ready:
                        return server;
                    case StartupOutcome.PortTaken when attempt < MaxPortAttempts:
                        await server.DisposeAsync();
                        continue;
                    case StartupOutcome.TimedOut:
                        throw new InvalidOperationException(
                            $"{command} did not answer on {server.ServiceUrl} within {options.StartupTimeout.TotalSeconds:0.#} s. "
                            + $"Output:{Environment.NewLine}{server.RecentOutput}");
                    case StartupOutcome.Exited when command.IsLauncher && process.ExitCode == LauncherMotoMissingExitCode:
                        throw new InvalidOperationException(
                            $"{MotoNotInstalledMessage} {command.FileName}. Output:{Environment.NewLine}{server.RecentOutput}");
                    default:
                        throw new InvalidOperationException(
                            $"{command} exited with code {process.ExitCode} before answering on {server.ServiceUrl}. "
                            + $"Output:{Environment.NewLine}{server.RecentOutput}");
                }
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Resets all of moto's state (<c>POST /moto-api/reset</c>). On an auth-enforcing server this also deletes the IAM users and roles.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(string.Empty);
        using var response = await _http.PostAsync(new Uri("moto-api/reset", UriKind.Relative), content, cancellationToken);
        await EnsureSuccessAsync(response, "reset", cancellationToken);
    }

    /// <summary>
    /// Sets <c>INITIAL_NO_AUTH_ACTION_COUNT</c> to <paramref name="initialNoAuthActionCount"/> and restarts its counter
    /// (<c>POST /moto-api/reset-auth</c>): the next <paramref name="initialNoAuthActionCount"/> AWS actions skip the IAM check.
    /// </summary>
    public async Task ResetAuthAsync(int initialNoAuthActionCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialNoAuthActionCount);
        using var content = new StringContent(initialNoAuthActionCount.ToString(CultureInfo.InvariantCulture));
        using var response = await _http.PostAsync(new Uri("moto-api/reset-auth", UriKind.Relative), content, cancellationToken);
        await EnsureSuccessAsync(response, "reset-auth", cancellationToken);
    }

    /// <summary>Kills the server's process tree and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _live.TryRemove(this, out _);
        Kill();
        using (var timeout = new CancellationTokenSource(_shutdownTimeout))
        {
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // The kill was sent; there is nothing more to do than release the handle.
            }
        }

        _exited = ProcessHasExited();

        _process.Dispose();
        _http.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"moto server pid {ProcessId} at {ServiceUrl}";

    private static int FindFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static LaunchCommand ResolveCommand(MotoServerOptions options)
    {
        if (options.Executable is { } executable)
        {
            return new LaunchCommand(ExecutableLocator.Find(executable) ?? throw new InvalidOperationException(NotFoundMessage), Script: null);
        }

        var python = ExecutableLocator.Find(options.Python) ?? throw new InvalidOperationException(PythonNotFoundMessage);
        if (!File.Exists(LauncherPath))
        {
            throw new InvalidOperationException($"The moto launcher script was not found at {LauncherPath}.");
        }

        return new LaunchCommand(python, LauncherPath);
    }

    private static Process Launch(LaunchCommand command, int port, MotoServerOptions options, OutputTail output)
    {
        var startInfo = new ProcessStartInfo(command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        if (command.Script is not null)
        {
            startInfo.ArgumentList.Add(command.Script);
        }

        // The arguments moto_server takes; the launcher passes them on to moto.server:main.
        startInfo.ArgumentList.Add("-H");
        startInfo.ArgumentList.Add(LoopbackHost);
        startInfo.ArgumentList.Add("-p");
        startInfo.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        startInfo.Environment["PYTHONUNBUFFERED"] = "1";
        if (options.InitialNoAuthActionCount is { } count)
        {
            startInfo.Environment["INITIAL_NO_AUTH_ACTION_COUNT"] = count.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            startInfo.Environment.Remove("INITIAL_NO_AUTH_ACTION_COUNT");
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static HttpClient CreateHttpClient(int port)
    {
        // Never route loopback traffic through an ambient HTTP(S)_PROXY.
        var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"http://{LoopbackHost}:{port.ToString(CultureInfo.InvariantCulture)}/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException(
                $"moto-api/{operation} answered {(int)response.StatusCode}: {body}");
        }
    }

    private async Task<StartupOutcome> WaitUntilReadyAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                // Let the output readers drain so the diagnostics are complete.
                await _process.WaitForExitAsync(cancellationToken);
                return RecentOutput.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)
                    ? StartupOutcome.PortTaken
                    : StartupOutcome.Exited;
            }

            var remaining = budget - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                return StartupOutcome.TimedOut;
            }

            try
            {
                using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                probeTimeout.CancelAfter(remaining < _probeTimeout ? remaining : _probeTimeout);
                using var response = await _http.GetAsync(new Uri(ReadinessPath, UriKind.Relative), probeTimeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return StartupOutcome.Ready;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The probe timed out; try again until the deadline.
            }

            await Task.Delay(_pollInterval, cancellationToken);
        }
    }

    private bool ProcessHasExited()
    {
        try
        {
            return _process.HasExited;
        }
        catch (InvalidOperationException)
        {
            // Disposed concurrently.
            return _exited;
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited or never started.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting concurrently.
        }
    }

    /// <summary>What to run: <paramref name="FileName"/>, with <paramref name="Script"/> as its first argument when set.</summary>
    private sealed record LaunchCommand(string FileName, string? Script)
    {
        public bool IsLauncher => Script is not null;

        public override string ToString() =>
            Script is null ? Path.GetFileName(FileName) : $"{Path.GetFileName(Script)} (run by {FileName})";
    }

    private enum StartupOutcome
    {
        Ready,
        Exited,
        PortTaken,
        TimedOut,
    }
}

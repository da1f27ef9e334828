using System.Diagnostics;
using System.Reflection;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// A sample program run as a real OS process (<c>dotnet sample.dll args</c>) with its standard output and error
/// captured line by line. The sample is built with this project (a project reference that is not referenced) and
/// found through the path the build records in an <see cref="AssemblyMetadataAttribute"/>.
/// </summary>
internal sealed class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _errors = [];
    private readonly Lock _gate = new();

    private SampleProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Gets the lines written to standard output so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_gate)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Gets the lines written to standard error so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>The path of a sample's main assembly, recorded by the build under <paramref name="key"/>.</summary>
    public static string Locate(string key)
    {
        var path = typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => string.Equals(a.Key, key, StringComparison.Ordinal)).Value!;
        return File.Exists(path) ? path : throw new FileNotFoundException($"The sample was not built at {path}.", path);
    }

    /// <summary>Starts <c>dotnet <paramref name="assembly"/> <paramref name="args"/></c> with extra environment variables.</summary>
    public static SampleProcess Start(string assembly, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var sample = new SampleProcess(process);
        process.OutputDataReceived += (_, e) => sample.Add(sample._output, e.Data);
        process.ErrorDataReceived += (_, e) => sample.Add(sample._errors, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    /// <summary>Runs a sample to its end and returns its exit code.</summary>
    public static async Task<(int ExitCode, SampleProcess Process)> RunAsync(
        string assembly, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var sample = Start(assembly, args, environment);
        var exitCode = await sample.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(30));
        return (exitCode, sample);
    }

    /// <summary>Waits until the process exits, killing it after <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">The process did not exit in time (it was killed).</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The sample did not exit within {timeout.TotalSeconds:0} s. Output:{Environment.NewLine}{Describe()}");
        }

        // Drains the asynchronous readers.
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>Sends SIGINT (what Ctrl+C sends) to the process.</summary>
    public async Task InterruptAsync()
    {
        var kill = ExecutableLocator.Find("kill") ?? throw new InvalidOperationException("No 'kill' executable on PATH.");
        using var signal = Process.Start(kill, ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await signal.WaitForExitAsync();
    }

    /// <summary>Everything written so far, standard output then standard error, for failure messages.</summary>
    public string Describe() =>
        string.Join(Environment.NewLine, Output) + Environment.NewLine + "--- standard error ---" + Environment.NewLine + string.Join(Environment.NewLine, Errors);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is not null)
        {
            lock (_gate)
            {
                lines.Add(line);
            }
        }
    }
}

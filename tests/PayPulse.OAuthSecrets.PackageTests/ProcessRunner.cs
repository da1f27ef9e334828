using System.Diagnostics;
using System.Text;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>Runs git and dotnet as a person would from a shell, bounded in time.</summary>
internal static class ProcessRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> in <paramref name="workingDirectory"/>. The environment is this process's less
    /// what the test host and the MSBuild that started it put there for themselves, so a child build sees the machine
    /// as a shell does.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName, string workingDirectory, IEnumerable<string> arguments, TimeSpan timeout, string? standardInput = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
                || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
            {
                startInfo.Environment.Remove(name);
            }
        }

        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        startInfo.Environment["GIT_TERMINAL_PROMPT"] = "0";

        var commandLine = $"{fileName} {string.Join(' ', startInfo.ArgumentList)}";
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"`{commandLine}` did not start.");
        using var cancellation = new CancellationTokenSource(timeout);
        var stdout = new MemoryStream();
        var stdoutCopy = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellation.Token);
        var stderr = process.StandardError.ReadToEndAsync(cancellation.Token);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellation.Token);
            process.StandardInput.Close();
        }

        try
        {
            await Task.WhenAll(stdoutCopy, stderr, process.WaitForExitAsync(cancellation.Token));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{commandLine}` did not finish within {timeout}.");
        }

        var bytes = stdout.ToArray();
        var output = Encoding.UTF8.GetString(bytes) + await stderr;
        return new ProcessResult(commandLine, process.ExitCode, output, bytes);
    }

    /// <summary>
    /// Runs a build (dotnet pack or build) like <see cref="RunAsync"/>, niced where <c>nice</c> exists, so that it takes
    /// the CPU the other test assemblies of the same <c>dotnet test</c> leave over instead of slowing their timed tests.
    /// The compiler runs in the niced build (no shared compiler server, which runs at normal priority).
    /// </summary>
    public static Task<ProcessResult> RunBuildAsync(string workingDirectory, IEnumerable<string> arguments, TimeSpan timeout)
    {
        List<string> buildArguments = [.. arguments, "-nodeReuse:false", "-p:UseSharedCompilation=false"];
        return Nice is { } nice
            ? RunAsync(nice, workingDirectory, ["-n", "10", DotnetExecutable, .. buildArguments], timeout)
            : RunAsync(DotnetExecutable, workingDirectory, buildArguments, timeout);
    }

    private static string? Nice =>
        OperatingSystem.IsWindows() ? null : new[] { "/usr/bin/nice", "/bin/nice" }.FirstOrDefault(File.Exists);

    /// <summary>The dotnet executable that runs this test process, so children use the same SDK.</summary>
    public static string DotnetExecutable
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                return host;
            }

            var main = Environment.ProcessPath;
            return main is not null && Path.GetFileNameWithoutExtension(main).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
                ? main
                : "dotnet";
        }
    }
}

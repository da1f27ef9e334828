using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// Runs <c>Scripts/python_token_bundle.py</c>, which reads and writes a token bundle with boto3 the way the Python
/// Lambdas do, against a moto server.
/// </summary>
internal static class PythonTokenBundleScript
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(30);

    /// <summary>The script, copied next to the test assembly.</summary>
    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Scripts", "python_token_bundle.py");

    /// <summary>Stores a bundle as the Lambda's OAuth callback does. Returns the script's report.</summary>
    public static Task<JsonElement> WriteAsync(Uri serviceUrl, string secretName, object? overrides = null) =>
        RunAsync(serviceUrl, secretName, "write", overrides);

    /// <summary>Reads and checks the bundle as the Lambda's token check does. Returns the script's report.</summary>
    public static Task<JsonElement> ReadAsync(Uri serviceUrl, string secretName) =>
        RunAsync(serviceUrl, secretName, "read", overrides: null);

    /// <summary>Read-modify-writes the bundle as the Lambda's token refresh does. Returns the script's report.</summary>
    public static Task<JsonElement> RefreshAsync(Uri serviceUrl, string secretName, object? overrides = null) =>
        RunAsync(serviceUrl, secretName, "refresh", overrides);

    private static async Task<JsonElement> RunAsync(Uri serviceUrl, string secretName, string mode, object? overrides)
    {
        var python = ExecutableLocator.Find("python3")
            ?? throw new InvalidOperationException("python3 (with the pip package boto3) is required for the Python interop tests and was not found on PATH.");
        File.Exists(ScriptPath).Should().BeTrue($"the interop script should be copied to {ScriptPath}");

        var startInfo = new ProcessStartInfo(python)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        startInfo.ArgumentList.Add(ScriptPath);
        startInfo.ArgumentList.Add(serviceUrl.ToString());
        startInfo.ArgumentList.Add(secretName);
        startInfo.ArgumentList.Add(mode);
        if (overrides is not null)
        {
            startInfo.ArgumentList.Add(JsonSerializer.Serialize(overrides));
        }

        PythonEnvironment.ConfigureForMoto(startInfo);

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException("python3 could not be started.");
        process.StandardInput.Close();
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();

        using (var timeout = new CancellationTokenSource(_timeout))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                throw new TimeoutException(
                    $"{Path.GetFileName(ScriptPath)} {mode} did not finish within {_timeout.TotalSeconds:0} s. "
                    + $"stderr:{Environment.NewLine}{await stderrTask}");
            }
        }

        var stdout = await stdoutTask;
        var stderr = await stderrTask;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(ScriptPath)} {mode} on '{secretName}' exited with code "
                + $"{process.ExitCode.ToString(CultureInfo.InvariantCulture)}.{Environment.NewLine}"
                + $"stderr:{Environment.NewLine}{stderr}{Environment.NewLine}stdout:{Environment.NewLine}{stdout}");
        }

        try
        {
            using var report = JsonDocument.Parse(stdout);
            return report.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(ScriptPath)} {mode} printed output that is not one JSON object.{Environment.NewLine}"
                + $"stdout:{Environment.NewLine}{stdout}{Environment.NewLine}stderr:{Environment.NewLine}{stderr}",
                exception);
        }
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// Runs <c>Scripts/moto_iam_setup.py</c> against an auth-enforcing moto server to create an IAM user, its access key,
/// a role it may assume, and a session for that role.
/// </summary>
public static class MotoIamProvisioner
{
    /// <summary>
    /// How many unauthenticated AWS actions the setup script uses (CreateUser, PutUserPolicy, CreateAccessKey,
    /// CreateRole, PutRolePolicy). Start moto with exactly this <c>INITIAL_NO_AUTH_ACTION_COUNT</c> so that every
    /// request after the bootstrap, starting with the script's own AssumeRole, must be signed and authorized.
    /// Keep in step with <c>UNAUTHENTICATED_ACTIONS</c> in the script.
    /// </summary>
    public const int UnauthenticatedActionCount = 5;

    /// <summary>The message of the exception thrown when <c>python3</c> is not on PATH.</summary>
    public const string PythonNotFoundMessage =
        "python3 (with the pip package boto3) is required for the auth-enforced integration tests and was not found on PATH";

    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    /// <summary>The setup script, copied next to the test assembly.</summary>
    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Scripts", "moto_iam_setup.py");

    /// <summary>
    /// Provisions the IAM principals on the server at <paramref name="serviceUrl"/>, which must have exactly
    /// <see cref="UnauthenticatedActionCount"/> unauthenticated actions left.
    /// </summary>
    /// <exception cref="InvalidOperationException">python3 is missing, or the script failed; the message carries its output.</exception>
    public static async Task<MotoIamCredentials> ProvisionAsync(Uri serviceUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(serviceUrl);
        var python = ExecutableLocator.Find("python3") ?? throw new InvalidOperationException(PythonNotFoundMessage);
        if (!File.Exists(ScriptPath))
        {
            throw new InvalidOperationException($"The IAM setup script was not found at {ScriptPath}.");
        }

        var startInfo = new ProcessStartInfo(python)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        startInfo.ArgumentList.Add(ScriptPath);
        startInfo.ArgumentList.Add(serviceUrl.ToString());
        startInfo.ArgumentList.Add(MotoServer.Region);

        // Keep boto3 on loopback and away from the developer's AWS configuration.
        startInfo.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        startInfo.Environment["no_proxy"] = "127.0.0.1,localhost";
        foreach (var variable in new[] { "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL" })
        {
            startInfo.Environment.Remove(variable);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException("python3 could not be started.");
        process.StandardInput.Close();
        var stdoutTask = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderrTask = process.StandardError.ReadToEndAsync(cancellationToken);

        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                cancellationToken.ThrowIfCancellationRequested();
                throw new InvalidOperationException(
                    $"{ScriptPath} did not finish within {_timeout.TotalSeconds:0} s. stderr:{Environment.NewLine}{await stderrTask}");
            }
        }

        var stdout = await stdoutTask;
        var stderr = await stderrTask;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{ScriptPath} exited with code {process.ExitCode}.{Environment.NewLine}"
                + $"stderr:{Environment.NewLine}{stderr}{Environment.NewLine}stdout:{Environment.NewLine}{stdout}");
        }

        try
        {
            return Parse(stdout);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"{ScriptPath} printed output that is not the expected JSON object: {stdout}", exception);
        }
    }

    private static MotoIamCredentials Parse(string stdout)
    {
        using var document = JsonDocument.Parse(stdout);
        var root = document.RootElement;
        var user = root.GetProperty("user");
        var session = root.GetProperty("session");
        return new MotoIamCredentials(
            UserAccessKeyId: Required(user, "accessKeyId"),
            UserSecretAccessKey: Required(user, "secretAccessKey"),
            SessionAccessKeyId: Required(session, "accessKeyId"),
            SessionSecretAccessKey: Required(session, "secretAccessKey"),
            SessionToken: Required(session, "sessionToken"));
    }

    private static string Required(JsonElement element, string name)
    {
        var value = element.GetProperty(name).GetString();
        return string.IsNullOrEmpty(value)
            ? throw new InvalidOperationException($"'{name}' is missing or empty.")
            : value;
    }
}

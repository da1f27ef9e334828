using System.Diagnostics;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>The environment the Python scripts run in against a plain (non-checking) moto server.</summary>
internal static class PythonEnvironment
{
    private static readonly string[] _clearedVariables =
    [
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    ];

    /// <summary>
    /// Dummy credentials (the plain moto server does not check them), loopback only, UTF-8, and nothing from the
    /// developer's AWS configuration.
    /// </summary>
    public static void ConfigureForMoto(ProcessStartInfo startInfo)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        foreach (var variable in _clearedVariables)
        {
            startInfo.Environment.Remove(variable);
        }

        startInfo.Environment["AWS_ACCESS_KEY_ID"] = "test";
        startInfo.Environment["AWS_SECRET_ACCESS_KEY"] = "test";
        startInfo.Environment["AWS_DEFAULT_REGION"] = MotoServer.Region;
        startInfo.Environment["AWS_REGION"] = MotoServer.Region;
        startInfo.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        startInfo.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        startInfo.Environment["no_proxy"] = "127.0.0.1,localhost";
        startInfo.Environment["PYTHONIOENCODING"] = "utf-8";
        startInfo.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
    }
}

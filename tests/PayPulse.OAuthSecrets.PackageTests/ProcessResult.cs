namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>The outcome of one child process: its exit code and everything it wrote.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string Output, byte[] StandardOutputBytes)
{
    public ProcessResult EnsureSuccess() =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"`{CommandLine}` exited with {ExitCode}:\n{Output}");
}

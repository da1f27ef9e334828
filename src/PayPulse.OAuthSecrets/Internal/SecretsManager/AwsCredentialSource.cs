using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// Where the Secrets Manager client's AWS credentials come from: <see cref="OAuthSecretsOptions.Credentials"/>, else
/// AWSSDK.Core's default chain (environment, profile, web identity, container, instance metadata). Resolution is
/// bounded by the caller's token (the client passes one that ends at the attempt timeout), because the SDK's
/// resolution APIs take none; failures become typed <see cref="SecretsManagerException"/>s.
/// </summary>
internal sealed class AwsCredentialSource
{
    private readonly AWSCredentials? _explicit;
    private readonly Func<Task<AWSCredentials>> _resolveDefault;

    /// <param name="explicitCredentials">The configured credentials, or <see langword="null"/> for the default chain.</param>
    /// <param name="resolveDefault">Resolves the default chain; replaced in tests.</param>
    public AwsCredentialSource(AWSCredentials? explicitCredentials, Func<Task<AWSCredentials>>? resolveDefault = null)
    {
        _explicit = explicitCredentials;
        _resolveDefault = resolveDefault ?? (static () => DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync());
    }

    /// <summary>
    /// Resolves the credentials to sign with. <paramref name="attemptToken"/> ends the wait (the SDK's own work goes
    /// on in the background and is reused by the next attempt); <paramref name="callerToken"/> tells a cancellation
    /// the caller asked for from a timeout.
    /// </summary>
    /// <returns>The credentials object (to invalidate if the service says they expired) and the keys to sign with.</returns>
    /// <exception cref="SecretsManagerException">
    /// <see cref="SecretsManagerErrorKind.Timeout"/> or <see cref="SecretsManagerErrorKind.Network"/> (transient) when a
    /// credentials endpoint timed out or could not be reached; <see cref="SecretsManagerErrorKind.Authentication"/> when no
    /// credentials are configured or the configuration is wrong.
    /// </exception>
    public async Task<(AWSCredentials Source, ImmutableCredentials Keys)> ResolveAsync(
        TimeSpan attemptTimeout, CancellationToken attemptToken, CancellationToken callerToken)
    {
        try
        {
            var source = _explicit ?? await _resolveDefault().WaitAsync(attemptToken).ConfigureAwait(false);
            var keys = await source.GetCredentialsAsync().WaitAsync(attemptToken).ConfigureAwait(false);
            if (keys is null || string.IsNullOrEmpty(keys.AccessKey) || string.IsNullOrEmpty(keys.SecretKey))
            {
                throw new SecretsManagerException(
                    "Secrets Manager calls could not be signed: the AWS credentials resolved have no access key.",
                    SecretsManagerErrorKind.Authentication,
                    innerException: null);
            }

            return (source, keys);
        }
        catch (OperationCanceledException ex) when (!callerToken.IsCancellationRequested)
        {
            throw new SecretsManagerException(
                $"Resolving AWS credentials did not finish within the attempt timeout ({attemptTimeout.TotalSeconds:0.###} s); " +
                "a container or instance metadata credentials endpoint did not answer.",
                SecretsManagerErrorKind.Timeout,
                ex);
        }
        catch (Exception ex) when (ex is not SecretsManagerException and not OperationCanceledException)
        {
            var kind = Classify(ex);
            throw new SecretsManagerException(
                kind == SecretsManagerErrorKind.Authentication
                    ? "Secrets Manager calls could not be signed: no usable AWS credentials were found (environment variables, " +
                      "profile, web identity, container or instance metadata). Set them, or OAuthSecretsOptions.Credentials. " +
                      $"({ex.GetType().Name}: {FirstLine(ex.Message)})"
                    : $"Resolving AWS credentials failed: a credentials endpoint {(kind == SecretsManagerErrorKind.Timeout ? "timed out" : "could not be reached")} " +
                      $"({ex.GetType().Name}: {FirstLine(ex.Message)})",
                kind,
                ex);
        }
    }

    /// <summary>
    /// Makes the next <see cref="ResolveAsync"/> fetch fresh credentials after the service said <paramref name="used"/>
    /// expired. Returns whether fresh credentials are possible: refreshing credentials (container, instance metadata,
    /// web identity, assume-role) are cleared; the default chain is asked again (it re-reads a changed environment or
    /// profile file); fixed credentials from the options cannot change, so there is nothing to retry with.
    /// </summary>
    public bool Invalidate(AWSCredentials used)
    {
        ArgumentNullException.ThrowIfNull(used);
        if (used is RefreshingAWSCredentials refreshing)
        {
            refreshing.ClearCredentials();
            return true;
        }

        return _explicit is null;
    }

    /// <summary>
    /// Classifies a resolution failure. The SDK's container provider retries and then throws a new exception that
    /// keeps only the innermost message, so the messages in the chain are read as well as the exception types.
    /// </summary>
    /// <remarks>
    /// The default chain's own failure (<c>Failed to resolve AWS credentials…</c>) is never transient even though it
    /// lists the instance metadata probe that failed: outside EC2 that probe always fails, and the failure means no
    /// credentials are configured. A metadata endpoint that hangs is still a transient timeout, by the attempt timeout.
    /// </remarks>
    internal static SecretsManagerErrorKind Classify(Exception exception)
    {
        if (exception is AmazonClientException && exception.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal))
        {
            return SecretsManagerErrorKind.Authentication;
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException or OperationCanceledException)
            {
                return SecretsManagerErrorKind.Timeout;
            }

            if (e is HttpRequestException or SocketException or IOException)
            {
                return SecretsManagerErrorKind.Network;
            }

            var message = e.Message;
            if (message.Contains("timed out", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("timeout", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("was canceled", StringComparison.OrdinalIgnoreCase))
            {
                return SecretsManagerErrorKind.Timeout;
            }

            if (message.Contains("Unable to reach credentials server", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("refused", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("error occurred while sending the request", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("No such host", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("Name or service not known", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("Network is unreachable", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("Connection reset", StringComparison.OrdinalIgnoreCase) ||
                message.Contains("Instance Metadata Service", StringComparison.OrdinalIgnoreCase))
            {
                return SecretsManagerErrorKind.Network;
            }
        }

        return SecretsManagerErrorKind.Authentication;
    }

    private static string FirstLine(string message)
    {
        var line = message.AsSpan().Trim();
        var newline = line.IndexOfAny('\r', '\n');
        var first = newline < 0 ? line : line[..newline];
        return first.Length > 300 ? string.Concat(first[..300], "…") : first.ToString();
    }
}

using System.Net;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Building blocks for <see cref="LoopbackResponder"/> scripts.</summary>
public static class LoopbackResponders
{
    /// <summary>Answers every request it is used for with <paramref name="response"/>.</summary>
    public static LoopbackResponder Fixed(LoopbackResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return (_, _) => Task.FromResult(response);
    }

    /// <summary>
    /// Holds the request until <paramref name="gate"/> completes (or the server stops), then answers with
    /// <paramref name="then"/>. The request is recorded as soon as it arrives, so a test can wait for it while it is held.
    /// </summary>
    public static LoopbackResponder Held(TaskCompletionSource gate, LoopbackResponder then)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(then);
        return async (request, cancellationToken) =>
        {
            await gate.Task.WaitAsync(cancellationToken);
            return await then(request, cancellationToken);
        };
    }

    /// <summary>
    /// A body far larger than any token response: 128 KiB of a JSON access token sent at once, then nothing more until
    /// the server stops. With <paramref name="announceLength"/> the headers announce 10 MB; otherwise it is chunked.
    /// A client that reads the whole body never gets to the end of it.
    /// </summary>
    public static LoopbackResponder OversizedBody(HttpStatusCode statusCode, bool announceLength) => Fixed(
        new LoopbackResponse(statusCode, "{\"access_token\":\"ya29." + new string('a', 128 * 1024))
        {
            AnnouncedLength = announceLength ? 10L * 1024 * 1024 : null,
            Chunked = !announceLength,
            HoldAfterBody = true,
        });

    /// <summary>A redirect to <paramref name="location"/>, with a token-looking body a client that follows it might use.</summary>
    public static LoopbackResponder Redirect(HttpStatusCode statusCode, string location) => Fixed(
        new LoopbackResponse(statusCode, """{"access_token":"ya29.from-a-redirect","expires_in":3599}""")
        {
            Headers = [new("Location", location)],
        });

    /// <summary><paramref name="statusCode"/> (429 or 503) with <paramref name="body"/> and <c>Retry-After: <paramref name="retryAfter"/></c>.</summary>
    public static LoopbackResponder RetryAfter(HttpStatusCode statusCode, string body, string retryAfter) => Fixed(
        new LoopbackResponse(statusCode, body) { Headers = [new("Retry-After", retryAfter)] });
}

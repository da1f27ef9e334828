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
}

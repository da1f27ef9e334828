using System.Net.Http.Headers;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// What the handler chain saw of one token endpoint attempt that Google.Apis.Auth does not pass on: the
/// <c>Retry-After</c> of a 429 or 503. One per attempt, carried to the handlers by the attempt's async flow, so that
/// concurrent refreshes over the shared flow never see each other's answers.
/// </summary>
internal sealed class TokenEndpointAttempt
{
    private static readonly AsyncLocal<TokenEndpointAttempt?> CurrentAttempt = new();

    /// <summary>Gets the attempt running in this async flow, if any.</summary>
    public static TokenEndpointAttempt? Current => CurrentAttempt.Value;

    /// <summary>Gets or sets the <c>Retry-After</c> of the attempt's 429 or 503 answer.</summary>
    public RetryConditionHeaderValue? RetryAfter { get; set; }

    /// <summary>Starts an attempt in the calling async method; it ends when that method returns.</summary>
    public static TokenEndpointAttempt Begin() => CurrentAttempt.Value = new TokenEndpointAttempt();

    /// <summary>
    /// The wait the server asked for, judged against <paramref name="timeProvider"/> for an HTTP-date (never negative),
    /// or <see langword="null"/> when it sent none.
    /// </summary>
    public TimeSpan? RetryAfterDelay(TimeProvider timeProvider) => RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date - timeProvider.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };
}

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// One token request of a <see cref="RotatingOAuthServer"/>, as its hooks (<see cref="RotatingOAuthServer.OnArrival"/>,
/// <see cref="RotatingOAuthServer.BeforeAnswer"/>) see it.
/// </summary>
/// <param name="Sequence">1 for the first token request the server received, 2 for the next, and so on (arrival order).</param>
/// <param name="Request">The request as it arrived.</param>
/// <param name="Outcome">How the server decided it; <see langword="null"/> in <see cref="RotatingOAuthServer.OnArrival"/>, before the decision.</param>
/// <param name="GrantId">The grant of the presented refresh token, when it is one the server issued.</param>
public sealed record TokenExchange(int Sequence, RecordedHttpRequest Request, TokenExchangeOutcome? Outcome, string? GrantId)
{
    /// <summary>The presented <c>refresh_token</c> form field, or <see langword="null"/> when it was not sent.</summary>
    public string? PresentedRefreshToken => Request.Form.TryGetValue("refresh_token", out var token) ? token : null;
}

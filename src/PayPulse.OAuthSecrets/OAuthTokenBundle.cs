using System.Text;

namespace PayPulse.OAuthSecrets;

/// <summary>
/// A user's stored Google token bundle, as read from the secret <c>gmail/user/{userId}</c>.
/// <see cref="ToString"/> never prints the tokens.
/// </summary>
public sealed record OAuthTokenBundle
{
    /// <summary>Gets the access token.</summary>
    public required string AccessToken { get; init; }

    /// <summary>Gets the refresh token, or <see langword="null"/> when none is stored.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>Gets when the access token expires (UTC).</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets the lifetime the access token was issued with (<c>expires_in</c>).</summary>
    public TimeSpan ExpiresIn { get; init; }

    /// <summary>Gets the granted scopes, space-separated.</summary>
    public string Scope { get; init; } = string.Empty;

    /// <summary>Gets the token type; Google issues <c>Bearer</c>.</summary>
    public string TokenType { get; init; } = "Bearer";

    /// <summary>Gets when the bundle was last written (UTC).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets the Google account the tokens belong to, if it was stored.</summary>
    public GoogleUserInfo? GoogleUser { get; init; }

    /// <summary>Whether the access token has expired at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <returns><see langword="true"/> when the access token should no longer be used.</returns>
    public bool IsExpired(DateTimeOffset now) => IsExpired(now, TimeSpan.Zero);

    /// <summary>Whether the access token has expired, or expires within <paramref name="margin"/>, at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="margin">How long before the expiry the token already counts as expired.</param>
    /// <returns><see langword="true"/> when the access token should no longer be used.</returns>
    public bool IsExpired(DateTimeOffset now, TimeSpan margin) => now >= ExpiresAt - margin;

    /// <summary>Whether the access token has expired now.</summary>
    /// <param name="timeProvider">The clock to read.</param>
    /// <returns><see langword="true"/> when the access token should no longer be used.</returns>
    public bool IsExpired(TimeProvider timeProvider) => IsExpired(timeProvider, TimeSpan.Zero);

    /// <summary>Whether the access token has expired, or expires within <paramref name="margin"/>, now.</summary>
    /// <param name="timeProvider">The clock to read.</param>
    /// <param name="margin">How long before the expiry the token already counts as expired.</param>
    /// <returns><see langword="true"/> when the access token should no longer be used.</returns>
    public bool IsExpired(TimeProvider timeProvider, TimeSpan margin)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return IsExpired(timeProvider.GetUtcNow(), margin);
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AccessToken = ***, RefreshToken = ").Append(RefreshToken is null ? "null" : "***")
            .Append(", ExpiresAt = ").Append(ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", ExpiresIn = ").Append(ExpiresIn)
            .Append(", Scope = ").Append(Scope)
            .Append(", TokenType = ").Append(TokenType)
            .Append(", CreatedAt = ").Append(CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", GoogleUser = ").Append(GoogleUser);
        return true;
    }
}

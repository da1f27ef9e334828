using System.Text;

namespace PayPulse.OAuthSecrets;

/// <summary>
/// A user's stored Google token bundle, as read from the secret <c>{SecretNamePrefix}{userId}</c>
/// (<see cref="OAuthSecretsOptions.SecretNamePrefix"/>, <c>gmail/user/</c> by default).
/// <see cref="ToString"/> never prints the tokens.
/// </summary>
public sealed record OAuthTokenBundle
{
    /// <summary>Gets the access token.</summary>
    public required string AccessToken { get; init; }

    /// <summary>Gets the refresh token, or <see langword="null"/> when none is stored.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>Gets when the access token expires (UTC).</summary>
    /// <remarks>
    /// Kept as stored, even at the ends of the calendar: <c>0001-01-01T00:00:00</c> is simply an expired token (a Gmail
    /// credential refreshes it), and a far-future value such as <c>9999-12-31T23:59:59.999999</c> a valid one. The
    /// <see cref="IsExpired(DateTimeOffset, TimeSpan)"/> overloads never overflow on either.
    /// </remarks>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets the lifetime the access token was issued with (<c>expires_in</c>).</summary>
    /// <remarks>
    /// Informational: expiry is decided by <see cref="ExpiresAt"/> alone. When the stored <c>expires_in</c> is missing,
    /// negative, not a finite number or longer than ten years, it is derived from <c>expires_at - created_at</c> when that
    /// lies within zero and ten years, and is <see cref="TimeSpan.Zero"/> (unknown) otherwise.
    /// </remarks>
    public TimeSpan ExpiresIn { get; init; }

    /// <summary>Gets the granted scopes, space-separated.</summary>
    public string Scope { get; init; } = string.Empty;

    /// <summary>Gets the token type; Google issues <c>Bearer</c>.</summary>
    public string TokenType { get; init; } = "Bearer";

    /// <summary>Gets when the bundle was last written (UTC).</summary>
    /// <remarks>
    /// As stored, even when it is later than <see cref="ExpiresAt"/> (nothing depends on their order). When
    /// <c>created_at</c> is missing it is <see cref="ExpiresAt"/> minus <see cref="ExpiresIn"/>, or
    /// <see cref="DateTimeOffset.MinValue"/> when that would lie before it.
    /// </remarks>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets the Google account the tokens belong to, if it was stored.</summary>
    /// <remarks>
    /// <see langword="null"/> when the secret has no <c>google_user_id</c> or an empty one, as the Python token refresh
    /// writes (<c>""</c>, with <c>google_email: ""</c>, <c>google_name: ""</c> and <c>google_verified_email: false</c>)
    /// for a user who connected without a Google account: that is no account, not an account with an empty id.
    /// </remarks>
    public GoogleUserInfo? GoogleUser { get; init; }

    /// <summary>Whether the access token has expired at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <returns><see langword="true"/> when the access token should no longer be used.</returns>
    public bool IsExpired(DateTimeOffset now) => IsExpired(now, TimeSpan.Zero);

    /// <summary>Whether the access token has expired, or expires within <paramref name="margin"/>, at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="margin">How long before the expiry the token already counts as expired.</param>
    /// <returns><see langword="true"/> when the access token should no longer be used.</returns>
    /// <remarks>Safe for any <see cref="ExpiresAt"/>, <paramref name="now"/> and <paramref name="margin"/>: nothing is
    /// subtracted from a date, so <see cref="DateTimeOffset.MinValue"/> and <see cref="DateTimeOffset.MaxValue"/> cannot overflow.</remarks>
    public bool IsExpired(DateTimeOffset now, TimeSpan margin) => ExpiresAt - now <= margin;

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

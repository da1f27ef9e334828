using System.Text;

namespace PayPulse.OAuthSecrets;

/// <summary>
/// Tokens as Google's token endpoint hands them out: after the user connects Gmail, or after a refresh.
/// <see cref="ToString"/> never prints the tokens.
/// </summary>
/// <param name="AccessToken">The access token.</param>
/// <param name="RefreshToken">
/// The refresh token, or <see langword="null"/> when Google did not send one (it omits it on a repeated consent and on
/// most refreshes); the stored one is then kept.
/// </param>
/// <param name="ExpiresIn">How long the access token is valid from now (Google's <c>expires_in</c>).</param>
/// <param name="Scope">The granted scopes, space-separated, or <see langword="null"/> to keep the stored or default scope.</param>
public sealed record OAuthTokenGrant(string AccessToken, string? RefreshToken, TimeSpan ExpiresIn, string? Scope = null)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AccessToken = ***, RefreshToken = ").Append(RefreshToken is null ? "null" : "***")
            .Append(", ExpiresIn = ").Append(ExpiresIn)
            .Append(", Scope = ").Append(Scope);
        return true;
    }
}

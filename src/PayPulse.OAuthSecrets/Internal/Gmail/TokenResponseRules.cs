using Google.Apis.Auth.OAuth2.Responses;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// What the library accepts from Google's token endpoint before anything is written back, and what of an error answer
/// it repeats in a message. The limits keep a user's secret far below Secrets Manager's 64 KiB: Google documents
/// access tokens up to 2048 bytes and refresh tokens up to 512.
/// </summary>
internal static class TokenResponseRules
{
    public const int MaxAccessTokenLength = 8192;
    public const int MaxRefreshTokenLength = 4096;
    public const int MaxScopeLength = 4096;
    public const int MaxErrorCodeLength = 64;
    public const int MaxQuotedTextLength = 200;

    // A word this long in an error text may be a token: the text is not repeated.
    private const int MaxQuotedWordLength = 40;

    /// <summary>What is wrong with a success answer, or <see langword="null"/> when it may be written back.</summary>
    public static string? Problem(TokenResponse response) => response switch
    {
        { AccessToken: null or "" } => "a success response without an access token",
        { AccessToken: { } access } when Problem(access, MaxAccessTokenLength) is { } problem => "an access token " + problem,
        { RefreshToken: { Length: > 0 } refresh } when Problem(refresh, MaxRefreshTokenLength) is { } problem => "a refresh token " + problem,
        { Scope: { } scope } when scope.Length > MaxScopeLength || !scope.All(c => c is >= ' ' and <= '~') =>
            $"a scope of {scope.Length} characters that are not all printable ASCII or more than {MaxScopeLength}",
        _ => null,
    };

    /// <summary>Whether <paramref name="code"/> looks like an OAuth error code: <c>^[a-z_]+$</c>, at most 64 characters.</summary>
    public static bool IsErrorCode(string? code) =>
        code is { Length: > 0 and <= MaxErrorCodeLength } && code.All(c => c is (>= 'a' and <= 'z') or '_');

    /// <summary>
    /// Whether an error text from the token endpoint may be repeated in a message: short printable ASCII with no word
    /// long enough to be a token, not containing the refresh token that was presented.
    /// </summary>
    public static bool IsSafeToQuote(string? text, string presentedRefreshToken) =>
        text is { Length: > 0 and <= MaxQuotedTextLength } &&
        text.All(c => c is >= ' ' and <= '~') &&
        !text.Contains(presentedRefreshToken, StringComparison.Ordinal) &&
        text.Split(' ').All(word => word.Length <= MaxQuotedWordLength);

    // Never the value: only its length and what is wrong with it.
    private static string? Problem(string token, int maxLength) =>
        token.Length > maxLength ? $"of {token.Length} characters (at most {maxLength} accepted)"
        : !token.All(c => c is > ' ' and <= '~') ? "with characters other than printable ASCII"
        : null;
}

namespace PayPulse.OAuthSecrets;

/// <summary>The Google account a user connected, as stored beside their tokens.</summary>
/// <param name="Id">Google's stable account id (<c>google_user_id</c>).</param>
/// <param name="Email">The account's email address (<c>google_email</c>).</param>
/// <param name="Name">The account's display name (<c>google_name</c>), if known.</param>
/// <param name="VerifiedEmail">Whether Google has verified the email address (<c>google_verified_email</c>).</param>
public sealed record GoogleUserInfo(string Id, string Email, string? Name = null, bool VerifiedEmail = false);

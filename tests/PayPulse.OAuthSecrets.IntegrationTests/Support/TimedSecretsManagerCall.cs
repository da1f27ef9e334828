namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>A <see cref="SecretsManagerCall"/> with the moment it left for the server.</summary>
/// <param name="Call">The call.</param>
/// <param name="SentAt">When it was handed to the next handler, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp.</param>
internal sealed record TimedSecretsManagerCall(SecretsManagerCall Call, long SentAt);

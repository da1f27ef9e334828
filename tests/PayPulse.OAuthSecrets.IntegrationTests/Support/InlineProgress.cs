namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its handler on the reporting thread, at once (unlike
/// <see cref="Progress{T}"/>, which posts it): a test sees each report before the reporter goes on.
/// </summary>
internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}

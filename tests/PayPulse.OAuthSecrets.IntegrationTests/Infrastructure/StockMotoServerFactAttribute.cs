namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// A <see cref="FactAttribute"/> for tests that run stock, unpatched <c>moto_server</c> (rather than the launcher every
/// other test uses); the test is skipped when <see cref="Executable"/> is not on PATH.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StockMotoServerFactAttribute : FactAttribute
{
    /// <summary>The stock moto server executable, <c>moto_server</c>.</summary>
    public const string Executable = "moto_server";

    /// <summary>Marks the test skipped when <see cref="Executable"/> cannot be found.</summary>
    public StockMotoServerFactAttribute()
    {
        if (ExecutableLocator.Find(Executable) is null)
        {
            Skip = $"{Executable} (stock moto) is not on PATH.";
        }
    }
}

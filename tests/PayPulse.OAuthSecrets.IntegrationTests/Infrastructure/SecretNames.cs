namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Secret names that do not collide between tests sharing one moto server.</summary>
public static class SecretNames
{
    /// <summary>Returns <c>{prefix}/{32 hex digits}</c>.</summary>
    public static string Unique(string prefix = "it") => $"{prefix}/{Guid.NewGuid():N}";
}

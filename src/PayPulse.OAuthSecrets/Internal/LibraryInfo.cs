using System.Reflection;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>Facts about this build of the library.</summary>
internal static class LibraryInfo
{
    /// <summary>Gets the package version, without build metadata (<c>1.2.3</c>, not <c>1.2.3+abc</c>).</summary>
    public static string Version { get; } = ReadVersion();

    private static string ReadVersion()
    {
        var version = typeof(LibraryInfo).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}

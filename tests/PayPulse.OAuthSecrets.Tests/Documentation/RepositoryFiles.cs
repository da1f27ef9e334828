namespace PayPulse.OAuthSecrets.Tests.Documentation;

/// <summary>Finds the repository's files from the test assembly's location.</summary>
internal static class RepositoryFiles
{
    /// <summary>The folder that holds <c>PayPulse.OAuthSecrets.sln</c>, above the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PayPulse.OAuthSecrets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No PayPulse.OAuthSecrets.sln above {AppContext.BaseDirectory}");
    }
}

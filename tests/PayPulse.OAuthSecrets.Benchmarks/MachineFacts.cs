namespace PayPulse.OAuthSecrets.Benchmarks;

/// <summary>What the measuring programs need to know of the machine and the checkout they run in.</summary>
internal static class MachineFacts
{
    /// <summary>The directory above this program that holds PayPulse.OAuthSecrets.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PayPulse.OAuthSecrets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (PayPulse.OAuthSecrets.sln) was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The 1, 5 and 15 minute load averages, printed with each measurement.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}

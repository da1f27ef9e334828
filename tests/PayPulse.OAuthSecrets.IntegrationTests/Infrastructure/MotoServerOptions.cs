namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>How to start a <see cref="MotoServer"/>.</summary>
public sealed record MotoServerOptions
{
    /// <summary>
    /// Value for moto's <c>INITIAL_NO_AUTH_ACTION_COUNT</c>: after this many AWS actions every request must be
    /// SigV4-signed with a key moto's IAM knows and be allowed by IAM policy. <see langword="null"/> (the default)
    /// leaves auth enforcement off (the variable is removed from the child environment, even if set in ours).
    /// </summary>
    public int? InitialNoAuthActionCount { get; init; }

    /// <summary>How long to wait for the server to answer HTTP before giving up.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The executable to look up on PATH (or a full path).</summary>
    public string Executable { get; init; } = "moto_server";
}

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

    /// <summary>
    /// The Python interpreter that runs <c>Scripts/moto_launcher.py</c> (moto with its staging-label bug corrected),
    /// looked up on PATH, or a full path. Defaults to <c>python3</c>; moto 5.2.x must be importable by it.
    /// Ignored when <see cref="Executable"/> is set.
    /// </summary>
    public string Python { get; init; } = "python3";

    /// <summary>
    /// A <c>moto_server</c>-compatible executable (taking <c>-H host -p port</c>) to run instead of the launcher, looked
    /// up on PATH, or a full path. <see langword="null"/> (the default) runs the patched launcher under
    /// <see cref="Python"/>; <c>"moto_server"</c> runs stock, unpatched moto.
    /// </summary>
    public string? Executable { get; init; }
}

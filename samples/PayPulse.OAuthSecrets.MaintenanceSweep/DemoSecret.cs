namespace PayPulse.OAuthSecrets.MaintenanceSweep;

/// <summary>One seeded secret. <see cref="ToString"/> leaves the value out: it holds (demo) tokens.</summary>
/// <param name="Name">The secret's name.</param>
/// <param name="Value">The secret's string value, as a Python Lambda would write it.</param>
/// <param name="Kind">The state it was seeded in.</param>
internal sealed record DemoSecret(string Name, string Value, DemoUserKind Kind)
{
    public override string ToString() => $"{Name} ({Kind})";
}

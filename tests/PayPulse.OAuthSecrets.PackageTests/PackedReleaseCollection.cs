using System.Diagnostics.CodeAnalysis;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>Tests marked <c>[Collection(PackedReleaseCollection.Name)]</c> share one <see cref="PackedRelease"/>: one pack.</summary>
[CollectionDefinition(Name)]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "xunit collection definitions are named *Collection by convention.")]
public sealed class PackedReleaseCollection : ICollectionFixture<PackedRelease>
{
    /// <summary>The collection name.</summary>
    public const string Name = "packed release";
}

using System.Diagnostics.CodeAnalysis;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Tests marked <c>[Collection(MotoAuthCollection.Name)]</c> share one <see cref="MotoAuthFixture"/>.</summary>
[CollectionDefinition(Name)]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "xunit collection definitions are named *Collection by convention.")]
public sealed class MotoAuthCollection : ICollectionFixture<MotoAuthFixture>
{
    /// <summary>The collection name, <c>moto-auth</c>.</summary>
    public const string Name = "moto-auth";
}

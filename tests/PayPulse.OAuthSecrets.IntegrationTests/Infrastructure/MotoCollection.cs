using System.Diagnostics.CodeAnalysis;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>Tests marked <c>[Collection(MotoCollection.Name)]</c> share one <see cref="MotoFixture"/>.</summary>
[CollectionDefinition(Name)]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "xunit collection definitions are named *Collection by convention.")]
public sealed class MotoCollection : ICollectionFixture<MotoFixture>
{
    /// <summary>The collection name, <c>moto</c>.</summary>
    public const string Name = "moto";
}

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>The test classes that share one <see cref="TwinClusterFixture"/> (its clock, evidence sink and ledger are
/// process-wide), and therefore run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class TwinClusterCollection : ICollectionFixture<TwinClusterFixture>
{
    public const string Name = "twin cluster";
}

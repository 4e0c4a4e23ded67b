using TwinGuard.Simulator.Attacks;

namespace TwinGuard.Simulator.Tests.Attacks;

public sealed class AttackNamesTests
{
    [Fact]
    public void Parse_All_GivesEverySevenAttacks()
    {
        Assert.Equal(["spike", "frozen", "drift", "replay", "flood", "unknown-device", "wrong-topic"], AttackNames.Parse("all"));
    }

    [Fact]
    public void Parse_None_GivesNoAttack() => Assert.Empty(AttackNames.Parse(" none "));

    [Fact]
    public void Parse_ListWithSpacesCaseAndDuplicates_GivesEachOnceInCatalogOrder()
    {
        Assert.Equal(["spike", "flood"], AttackNames.Parse("Flood, spike,flood"));
    }

    [Fact]
    public void Parse_UnknownName_ThrowsNamingItAndTheKnownOnes()
    {
        var error = Assert.Throws<FormatException>(() => AttackNames.Parse("spike,melt"));
        Assert.Contains("'melt'", error.Message, StringComparison.Ordinal);
        Assert.Contains("wrong-topic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyEntry_ThrowsWithItsPosition()
    {
        var error = Assert.Throws<FormatException>(() => AttackNames.Parse("spike,,flood"));
        Assert.Contains("entry 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KindOf_EveryName_RoundTripsThroughNameOf()
    {
        foreach (var name in AttackNames.All)
        {
            Assert.Equal(name, AttackNames.NameOf(AttackNames.KindOf(name)));
        }
    }
}

using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Findings;

public sealed class AttackMappingTests
{
    private const string Minimal = """
        tactics:
          TA0106: Impair Process Control
        techniques:
          T0856: { name: Spoofed Reporting Message, tactics: [TA0106] }
        reasons:
        """;

    [Fact]
    public void Default_EveryReasonCode_IsMappedToKnownTechniquesWithTactics()
    {
        var mapping = AttackMapping.Default;

        foreach (var reason in Enum.GetValues<ReasonCode>())
        {
            Assert.All(mapping.For(reason), t =>
            {
                Assert.Matches(@"^T\d{4}$", t.Id);
                Assert.NotEmpty(t.Tactics);
            });
        }

        Assert.Equal(["T0832", "T0856"], mapping.For(ReasonCode.RelationViolated).Select(t => t.Id).Order());
        Assert.Equal("T0814", Assert.Single(mapping.For(ReasonCode.Flooding)).Id);
        Assert.Empty(mapping.For(ReasonCode.Quarantined));
        // A listed address (a feed's or a peer site's) at the broker or in the plant's flows: remote services and command and control.
        Assert.Equal(["T0869", "T0886"], mapping.For(ReasonCode.IntelMatch).Select(t => t.Id));
        Assert.Equal(["Command and Control", "Initial Access", "Lateral Movement"], mapping.TacticsOf([ReasonCode.IntelMatch]).Select(t => t.Name));
    }

    [Fact]
    public void For_SeveralReasons_GivesDistinctTechniquesOrderedById()
    {
        var techniques = AttackMapping.Default.For([ReasonCode.OutOfRange, ReasonCode.RelationViolated, ReasonCode.OperatingLimit]);

        Assert.Equal(["T0831", "T0832", "T0836", "T0856"], techniques.Select(t => t.Id));
        Assert.Contains(AttackMapping.Default.TacticsOf([ReasonCode.OperatingLimit]), t => t.Name == "Impair Process Control");
    }

    [Fact]
    public void Parse_ReasonLeftOut_FailsNamingTheReason()
    {
        var yaml = Minimal + "\n  out_of_range: [T0856]\n";

        var error = Assert.Throws<PlantModelException>(() => AttackMapping.Parse(yaml, "attack.yaml"));

        Assert.Contains("unknown_source", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("attack.yaml:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownTechnique_FailsAtItsLineAndColumn()
    {
        var yaml = Minimal + "\n  out_of_range: [T0999]\n";

        var error = Assert.Throws<PlantModelException>(() => AttackMapping.Parse(yaml, "attack.yaml"));

        Assert.Equal((6, 18), (error.Line, error.Column));
        Assert.Contains("unknown technique 'T0999'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownReason_FailsNamingIt()
    {
        var yaml = Minimal + "\n  spoofing: [T0856]\n";

        var error = Assert.Throws<PlantModelException>(() => AttackMapping.Parse(yaml, "attack.yaml"));

        Assert.Contains("unknown reason code 'spoofing'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StoredIncident_Attack_IsTheUnionOfItsReasonsTechniques()
    {
        var incident = new StoredIncident(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "asset:pump1", "pump1", null, "high", "t", "r",
            ["flooding", "replayed_sequence", "no_such_reason"], "open", 2, null);

        Assert.Equal(["T0814", "T0856"], incident.Attack.Select(t => t.Id));
    }
}

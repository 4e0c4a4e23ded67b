using TwinGuard.Twins.Compliance;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Compliance;

/// <summary>The embedded catalogues, and the loader's refusal of wrong ones with the position of the mistake.</summary>
public sealed class ComplianceCatalogueTests
{
    private const string Header = """
        standard: test
        title: A test standard
        levels: true
        controls:

        """;

    public static TheoryData<string> Standards => [.. ComplianceCatalogueLoader.Standards];

    [Theory]
    [MemberData(nameof(Standards))]
    public void Embedded_EveryEntry_IsMappedToEvidenceOrSaysWhyNot(string standard)
    {
        var catalogue = ComplianceCatalogueLoader.Embedded(standard);
        Assert.Equal(standard, catalogue.Standard);
        Assert.NotEmpty(catalogue.Controls);
        foreach (var control in catalogue.Controls)
        {
            Assert.True(control.Evidence.Count > 0 ^ control.OutsideScope is not null, $"{standard} {control.Id}: neither evidence nor a reason, or both");
            Assert.False(control.Partial && control.Gap is null, $"{standard} {control.Id}: covered in part without a gap");
            Assert.All(control.Evidence.Where(e => e.Kind == EvidenceKind.Fact), e => Assert.Contains(e.Fact!, ComplianceFacts.Names));
        }
    }

    [Fact]
    public void Embedded_Iec62443_HasEverySystemRequirementWithALevel()
    {
        var catalogue = ComplianceCatalogueLoader.Embedded("iec62443-3-3");
        // IEC 62443-3-3 has 51 system requirements in 7 foundational requirements: FR 1 13, FR 2 12, FR 3 9, FR 4 3, FR 5 4, FR 6 2, FR 7 8.
        int[] perFoundationalRequirement = [13, 12, 9, 3, 4, 2, 8];
        var expected = perFoundationalRequirement.SelectMany((n, fr) => Enumerable.Range(1, n).Select(sr => $"SR {fr + 1}.{sr}")).ToList();
        Assert.Equal(expected, catalogue.Controls.Where(c => !c.Id.Contains(" RE ", StringComparison.Ordinal)).Select(c => c.Id));
        Assert.All(catalogue.Controls, c => Assert.InRange(c.Level!.Value, 1, 4));
        Assert.Equal(EvidenceKind.SelfTest, catalogue.Controls.Single(c => c.Id == "SR 3.3").Evidence.Single().Kind);
    }

    [Fact]
    public void Parse_EntryWithoutEvidenceOrReason_RefusedAtItsLine()
    {
        var yaml = Header + """
              - id: SR 1.1
                title: Human user identification and authentication
                sl: 1
                evidence:
                  - fact: api-access-control
              - id: SR 1.2
                title: Software process and device identification and authentication
                sl: 2
            """;
        var ex = Assert.Throws<PlantModelException>(() => ComplianceCatalogueLoader.Parse(yaml, "test.yaml"));
        Assert.True(ex.Message.StartsWith("test.yaml:10:5: controls[1]: 'SR 1.2' is mapped to no evidence and gives no reason", StringComparison.Ordinal), ex.Message);
    }

    [Theory]
    [InlineData("      - fact: everything-is-fine", "test.yaml:9:15: controls[0].evidence[0].fact: unknown fact 'everything-is-fine'")]
    [InlineData("      - ledger: { kinds: [finding], reasons: [not_a_reason], what: x }", "test.yaml:9:47: controls[0].evidence[0].ledger.reasons[0]: unknown reason code 'not_a_reason'")]
    [InlineData("      - ledger: { kinds: [diary], what: x }", "test.yaml:9:27: controls[0].evidence[0].ledger.kinds[0]: unknown ledger entry kind 'diary'")]
    [InlineData("      - ledger: { kinds: [action], reasons: [flooding], what: x }", "test.yaml:9:45: controls[0].evidence[0].ledger.reasons: reasons: select findings")]
    [InlineData("      - self-test: { max_age: soon }", "test.yaml:9:31: controls[0].evidence[0].self-test.max_age: expected a positive duration")]
    [InlineData("      - fact: device-identity\n        ledger: { kinds: [finding], what: x }", "test.yaml:9:9: controls[0].evidence[0]: expected exactly one of fact:, ledger: or self-test:")]
    public void Parse_WrongEvidence_RefusedAtItsPosition(string evidence, string expected)
    {
        var yaml = Header + $"""
              - id: SR 1.1
                title: Human user identification and authentication
                sl: 1
                evidence:
            {evidence}
            """;
        var ex = Assert.Throws<PlantModelException>(() => ComplianceCatalogueLoader.Parse(yaml, "test.yaml"));
        Assert.True(ex.Message.StartsWith(expected, StringComparison.Ordinal), ex.Message);
    }

    [Theory]
    [InlineData("  - id: SR 1.1 RE 1\n    title: Unique\n    sl: 2\n    outside: x", "test.yaml:5:9: controls[0].id: 'SR 1.1 RE 1' enhances 'SR 1.1', which is not listed before it")]
    [InlineData("  - id: SR 1.1\n    title: T\n    sl: 5\n    outside: x", "test.yaml:7:9: controls[0].sl: expected a security level 1 to 4")]
    [InlineData("  - id: SR 1.1\n    title: T\n    outside: x", "test.yaml:5:5: controls[0].sl: required field is missing")]
    [InlineData("  - id: SR 1.1\n    title: T\n    sl: 1\n    outside: x\n  - id: SR 1.1\n    title: T\n    sl: 1\n    outside: y", "test.yaml:9:9: controls[1].id: 'SR 1.1' is listed twice")]
    [InlineData("  - id: SR 1.1\n    title: T\n    sl: 1\n    partial: true\n    evidence:\n      - fact: device-identity", "test.yaml:8:14: controls[0].partial: 'SR 1.1' is covered only in part: say in gap:")]
    [InlineData("  - id: SR 1.1\n    title: T\n    sl: 1\n    outside: x\n    evidence:\n      - fact: device-identity", "test.yaml:8:14: controls[0].outside: 'SR 1.1' has evidence and is outside")]
    [InlineData("  - id: SR 1.1\n    titel: T\n    sl: 1\n    outside: x", "test.yaml:6:5: controls[0].titel: unknown field")]
    public void Parse_WrongEntry_RefusedAtItsPosition(string entries, string expected)
    {
        var ex = Assert.Throws<PlantModelException>(() => ComplianceCatalogueLoader.Parse(Header + entries, "test.yaml"));
        Assert.True(ex.Message.StartsWith(expected, StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public void Parse_SyntaxError_RefusedWithLineAndColumn()
    {
        var ex = Assert.Throws<PlantModelException>(() => ComplianceCatalogueLoader.Parse(Header + "  - id: [SR 1.1\n", "test.yaml"));
        Assert.Matches(@"^test\.yaml:\d+:\d+: \(syntax\)", ex.Message);
    }
}

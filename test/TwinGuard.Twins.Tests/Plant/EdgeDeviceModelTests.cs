using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class EdgeDeviceModelTests
{
    [Fact]
    public void Parse_EdgeWithMalformedLedgerKey_RefusedAtItsLine()
    {
        var yaml = SamplePlant.Text.Replace("devices:\n", """
            devices:
              - id: edge1
                password_hash: pbkdf2-sha256$100000$L/PHj1E2hqdTIkX88JE+gQ==$A/BcD2Aoru2CEJO1/+ybo+obQWeII51jBeLzzcacUgk=
                topics: [edge/edge1/up]
                edge: { ledger_key: "not+a+key" }

            """, StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(yaml));

        Assert.Contains("twinguard-edge key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EdgeWithUnknownField_Refused()
    {
        var yaml = SamplePlant.Text.Replace("devices:\n", """
            devices:
              - id: edge1
                password_hash: pbkdf2-sha256$100000$L/PHj1E2hqdTIkX88JE+gQ==$A/BcD2Aoru2CEJO1/+ybo+obQWeII51jBeLzzcacUgk=
                topics: [edge/edge1/up]
                edge: { ledger: "x" }

            """, StringComparison.Ordinal);

        Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(yaml));
    }

    [Fact]
    public void Parse_PlainDevice_IsNoEdge() =>
        Assert.All(SamplePlant.Load().Devices, d => Assert.Null(d.EdgeLedgerKey));
}

using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Relations;

/// <summary>The <c>relations:</c> section of the plant model: coefficients, windows, maximum age, and their errors.</summary>
public sealed class RelationPlantModelTests
{
    private const string Flow = """
          - id: flow-follows-pump-and-valves
            kind: algebraic
            expression: "pump1.flow ~ k * pump1.speed * min(valve_in.opening, valve_out.opening) / 100"
            coefficients: { k: 0.05 }
        """;

    private static string WithRelations(string relations)
    {
        var text = SamplePlant.Text;
        return text[..text.IndexOf("relations:", StringComparison.Ordinal)] + "relations:\n" + relations;
    }

    [Fact]
    public void Load_Sample_CompilesRelationsWithTheirCoefficientsAndWindows()
    {
        var plant = SamplePlant.Load();

        var flow = plant.Relations.Single(r => r.Id == "flow-follows-pump-and-valves");
        Assert.Equal([new KeyValuePair<string, double>("k", 0.05)], flow.Coefficients);
        Assert.Equal(["k"], flow.Compiled!.CoefficientNames);
        Assert.Equal(RelationModel.DefaultMaxAge, flow.MaxAge);
        var tank = plant.Relations.Single(r => r.Id == "tank-level-integrates-flows");
        Assert.True(tank.IsDynamic);
        Assert.Equal(TimeSpan.FromSeconds(30), tank.Window);
        Assert.Equal(0, tank.Compiled!.LeftDerivativeSlot);
    }

    [Fact]
    public void Parse_CoefficientsAndMaxAge_AreRead()
    {
        var plant = PlantModelLoader.Parse(WithRelations(Flow + "\n    tolerance: 5\n    max_age: 750ms\n    noise: 0.8\n"));

        var relation = Assert.Single(plant.Relations);
        Assert.Equal(TimeSpan.FromMilliseconds(750), relation.MaxAge);
        Assert.Equal(0.8, relation.Noise);
        var values = new double[] { 100, 2000, 100, 100 };
        Assert.Equal(0, relation.Compiled!.Residual(values), 12);
    }

    [Theory]
    [InlineData("\n    tolerance: 5\n    window: 10s\n", "relations[0].window", "window applies to dynamic relations only")]
    [InlineData("\n    tolerance: 5\n    coefficients: { min: 1 }\n", "relations[0].coefficients.min", "is a function or an asset")]
    [InlineData("\n    tolerance: 5\n    coefficients: { k: fast }\n", "relations[0].coefficients.k", "expected a finite number")]
    [InlineData("\n    tolerance: 5\n    noise: -1\n", "relations[0].noise", "expected a number greater than 0")]
    public void Parse_WrongRelationField_NamesTheField(string extra, string field, string expected)
    {
        var text = WithRelations(Flow.Replace("    coefficients: { k: 0.05 }", string.Empty, StringComparison.Ordinal).TrimEnd() + extra)
            .Replace("pump1.flow ~ k *", extra.Contains("coefficients", StringComparison.Ordinal) ? "pump1.flow ~ k *" : "pump1.flow ~ 0.05 *", StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(text, "broken.yaml"));

        Assert.Equal(field, error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UndeclaredCoefficient_IsRefusedWithItsPosition()
    {
        var text = WithRelations(Flow.Replace("coefficients: { k: 0.05 }", "coefficients: { g: 0.05 }", StringComparison.Ordinal) + "\n    tolerance: 5\n");

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(text, "broken.yaml"));

        Assert.Equal("relations[0].expression", error.Field);
        Assert.Contains("position 16: expected '.' after 'k'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DynamicKindWithoutDerivative_IsRefused()
    {
        var text = WithRelations(Flow.Replace("kind: algebraic", "kind: dynamic", StringComparison.Ordinal) + "\n    tolerance: 5\n");

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(text, "broken.yaml"));

        Assert.Equal("relations[0].kind", error.Field);
        Assert.Contains("does not use der()", error.Message, StringComparison.Ordinal);
    }
}

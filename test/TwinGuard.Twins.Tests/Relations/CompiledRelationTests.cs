using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Tests.Relations;

public sealed class CompiledRelationTests
{
    private static CompiledRelation Sample(string id)
    {
        var model = SamplePlant.Load();
        var relation = model.Relations.Single(r => r.Id == id);
        return relation.CompileFor(model);
    }

    private static double[] Values(CompiledRelation relation, IReadOnlyDictionary<string, double> byName) =>
        [.. relation.Slots.Select(s => byName[s])];

    [Fact]
    public void Slots_FlowRelation_ListsReferencesInFirstAppearanceOrderWithUnits()
    {
        var relation = Sample("flow-follows-pump-and-valves");
        Assert.Equal(["pump1.flow", "pump1.speed", "valve_in.opening", "valve_out.opening"], relation.Slots);
        Assert.Equal(["l/min", "rpm", "%", "%"], relation.SlotUnits);
        Assert.False(relation.UsesDerivative);
    }

    [Fact]
    public void SlotInfo_AgainstPlant_GivesAssetSignalIndexAndUnit()
    {
        var model = SamplePlant.Load();
        var relation = Sample("motor-current-follows-flow");
        Assert.Equal(
            [new RelationSlot("pump1", "motor_current", model.FindAsset("pump1")!.IndexOf("motor_current"), "A"),
             new RelationSlot("pump1", "flow", model.FindAsset("pump1")!.IndexOf("flow"), "l/min")],
            relation.SlotInfo);
        Assert.Equal(-1, CompiledRelation.Compile("pump1.flow ~ 1").SlotInfo[0].SignalIndex);
    }

    [Fact]
    public void Slots_RepeatedReference_SharesOneSlot()
    {
        var relation = Sample("tank-level-integrates-flows");
        Assert.Equal(["tank1.level", "pump1.flow", "valve_in.opening", "valve_out.opening"], relation.Slots);
        Assert.True(relation.UsesDerivative);
    }

    [Fact]
    public void Residual_FlowRelation_IsMeasuredMinusPredicted()
    {
        var relation = Sample("flow-follows-pump-and-valves");
        var values = Values(relation, new Dictionary<string, double>
        {
            ["pump1.flow"] = 60, ["pump1.speed"] = 2000, ["valve_in.opening"] = 80, ["valve_out.opening"] = 50,
        });

        // 0.05 * 2000 * min(80, 50) / 100 = 50
        Assert.Equal(10, relation.Residual(values), 12);
        Assert.Equal(50, relation.EvaluateRight(values, values, 0), 12);
        Assert.Equal(60, relation.EvaluateLeft(values, values, 0), 12);
    }

    [Fact]
    public void Residual_MotorCurrentRelation_MatchesHandComputation()
    {
        var relation = Sample("motor-current-follows-flow");
        var values = Values(relation, new Dictionary<string, double> { ["pump1.motor_current"] = 4.5, ["pump1.flow"] = 60 });

        // 1.2 + 0.05 * 60 = 4.2
        Assert.Equal(0.3, relation.Residual(values), 12);
    }

    [Fact]
    public void Residual_TankRelation_UsesBackwardDifferenceOfLevel()
    {
        var relation = Sample("tank-level-integrates-flows");
        var names = new Dictionary<string, double>
        {
            ["tank1.level"] = 1.001, ["pump1.flow"] = 60, ["valve_in.opening"] = 80, ["valve_out.opening"] = 50,
        };
        var now = Values(relation, names);
        names["tank1.level"] = 1.0;
        var before = Values(relation, names);

        // der = 0.001 / 0.25 = 0.004; right = (60 * 80 - 60 * 50) / 600000 = 0.003
        Assert.Equal(0.001, relation.Residual(now, before, 0.25), 12);
    }

    [Fact]
    public void Residual_LinearRamp_DerivativeIsTheSlope()
    {
        var relation = CompiledRelation.Compile("der(tank1.level) ~ 0.02", SamplePlant.Load());
        var previous = new double[1];
        var current = new double[1];
        for (var step = 1; step <= 40; step++)
        {
            previous[0] = 0.5 + (0.02 * (step - 1) * 0.25);
            current[0] = 0.5 + (0.02 * step * 0.25);
            Assert.Equal(0, relation.Residual(current, previous, 0.25), 10);
        }
    }

    [Fact]
    public void Residual_DerivativeOfQuadratic_IsBackwardDifferenceSlope()
    {
        // x = t^2 sampled at t = 2 and 3: backward difference (9 - 4) / 1 = 5 (the midpoint slope).
        var relation = CompiledRelation.Compile("der(a.x) ~ 0");
        Assert.Equal(5, relation.Residual([9.0], [4.0], 1.0), 12);
        Assert.Equal(-10, relation.Residual([4.0], [9.0], 0.5), 12);
    }

    [Fact]
    public void Residual_DerivativeWithoutElapsedTime_IsNaN()
    {
        var relation = CompiledRelation.Compile("der(a.x) ~ 0");
        Assert.True(double.IsNaN(relation.Residual([1.0], [0.0], 0)));
    }

    [Fact]
    public void Residual_AlgebraicOverloadOnDynamicRelation_Throws()
    {
        var relation = CompiledRelation.Compile("der(a.x) ~ 0");
        Assert.Throws<InvalidOperationException>(() => relation.Residual([1.0]));
    }

    [Fact]
    public void Residual_TooFewValues_Throws()
    {
        var relation = CompiledRelation.Compile("a.x ~ b.y");
        Assert.Throws<ArgumentException>(() => relation.Residual([1.0]));
    }

    [Theory]
    [InlineData("2 + 3 * 4", 14)]
    [InlineData("(2 + 3) * 4", 20)]
    [InlineData("1 - 2 - 3", -4)]
    [InlineData("1 - (2 - 3)", 2)]
    [InlineData("8 / 4 / 2", 1)]
    [InlineData("8 / (4 / 2)", 4)]
    [InlineData("2 * 3 / 4", 1.5)]
    [InlineData("-2 * 3", -6)]
    [InlineData("2 * -3", -6)]
    [InlineData("-(1 - 3)", 2)]
    [InlineData("2 - -1", 3)]
    [InlineData("--2", 2)]
    [InlineData("10 - 2 * 3 + 4 / 2", 6)]
    [InlineData("pow(2, 3)", 8)]
    [InlineData("pow(2, 3) * 2", 16)]
    [InlineData("sqrt(16) + abs(-2)", 6)]
    [InlineData("min(3, 7) + max(3, 7)", 10)]
    [InlineData("clamp(5, 0, 3)", 3)]
    [InlineData("clamp(-5, 0, 3)", 0)]
    [InlineData("clamp(2, 0, 3)", 2)]
    [InlineData("1.5e2 + .5 + 2E-1", 150.7)]
    [InlineData("min(1 + 2, 2 * 2) * max(-1, -2)", -3)]
    public void Residual_ConstantExpression_FollowsPrecedenceAndAssociativity(string expression, double expected)
    {
        var relation = CompiledRelation.Compile(expression + " ~ 0");
        Assert.Empty(relation.Slots);
        Assert.Equal(expected, relation.Residual([]), 12);
    }

    [Fact]
    public void Residual_SteadyState_AllocatesNothing()
    {
        var model = SamplePlant.Load();
        var relations = model.Relations.Select(r => r.CompileFor(model)).ToArray();
        var values = new double[] { 1, 2, 3, 4 };
        var previous = new double[] { 0.5, 2, 3, 4 };
        var sum = 0.0;
        foreach (var r in relations)
        {
            sum += r.Residual(values, previous, 0.25);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            foreach (var r in relations)
            {
                sum += r.Residual(values, previous, 0.25);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(double.IsFinite(sum));
    }

    [Fact]
    public void Compile_EverySampleRelation_Succeeds()
    {
        var model = SamplePlant.Load();
        foreach (RelationModel relation in model.Relations)
        {
            var compiled = CompiledRelation.Compile(relation.Expression, model, relation.Coefficients);
            Assert.Equal(relation.Kind == "dynamic", compiled.UsesDerivative);
            Assert.Equal(relation.Signals.Order(StringComparer.Ordinal), compiled.Slots.Order(StringComparer.Ordinal));
        }
    }
}

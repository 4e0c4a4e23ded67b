using TwinGuard.Simulator.Physics;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Simulator.Tests.Physics;

/// <summary>
/// The simulator's plant obeys the relations the twins evaluate: every relation of samples/plant.yaml, compiled by
/// the pipeline's own relation compiler, holds within its tolerance on the simulated readings; and so do the motor
/// heating and conveyor relations proposed for the plant model (docs/scenarios.md).
/// </summary>
public sealed class PlantRelationsTests
{
    /// <summary>Relations the physics obeys that samples/plant.yaml does not (yet) state, with their tolerances.</summary>
    public static readonly (string Expression, double Tolerance)[] Proposed =
    [
        ("der(pump1.motor_temp) ~ (30 + 5 * pump1.motor_current - pump1.motor_temp) / 45", 1.5),
        ("der(conveyor1.motor_temp) ~ (28 + 4.5 * conveyor1.motor_current - conveyor1.motor_temp) / 60", 1.5),
    ];

    private static readonly PlantModel Plant = PlantModelLoader.Load(Path.Combine(AppContext.BaseDirectory, "plant.yaml"));

    [Fact]
    public void Step_LivelyOperation_ObeysEveryRelationOfPlantYamlWithinTolerance()
    {
        Assert.NotEmpty(Plant.Relations);
        foreach (var relation in Plant.Relations)
        {
            var worst = WorstResidual(CompiledRelation.Compile(relation.Expression, Plant), seed: 7, steps: 7200, measured: true);
            Assert.True(worst <= relation.Tolerance, $"{relation.Id}: worst residual {worst} exceeds the tolerance {relation.Tolerance}");
        }
    }

    [Fact]
    public void Step_LivelyOperation_ObeysTheProposedHeatingRelations()
    {
        foreach (var (expression, tolerance) in Proposed)
        {
            var compiled = CompiledRelation.Compile(expression, Plant);
            var truth = WorstResidual(compiled, seed: 3, steps: 7200, measured: false);
            var measured = WorstResidual(compiled, seed: 3, steps: 7200, measured: true);
            Assert.True(measured <= tolerance, $"{expression}: worst residual on readings {measured} exceeds {tolerance}");
            // On the true values the first-order lag holds exactly, up to the Euler step.
            Assert.True(truth <= 0.01, $"{expression}: worst residual on the truth {truth}");
        }
    }

    [Fact]
    public void Step_TamperedSetPoints_StillObeyEveryRelation()
    {
        // Set-point tampering and the replay's forced valve move change the process, not the physics: relations hold.
        foreach (var relation in Plant.Relations)
        {
            var compiled = CompiledRelation.Compile(relation.Expression, Plant);
            var physics = new PlantPhysics(11) { LevelSetPointOverride = 1.9, ValveInSetPointOverride = 40, SpeedSetPointOverride = 3100 };
            var worst = WorstResidual(compiled, physics, steps: 2400, measured: true);
            Assert.True(worst <= relation.Tolerance, $"{relation.Id} under tampering: worst residual {worst}");
        }
    }

    [Fact]
    public void Residual_BiasedFlow_BreaksTheFlowRelation()
    {
        // The check above must be able to fail: a 16 l/min bias (the bias scenario) is outside the tolerance.
        var relation = Plant.Relations.Single(r => r.Id == "flow-follows-pump-and-valves");
        var compiled = CompiledRelation.Compile(relation.Expression, Plant);
        var physics = new PlantPhysics(5, PlantPhysicsOptions.Steady);
        var values = Slots(compiled, physics.Measurements);
        values[compiled.SlotInfo.ToList().FindIndex(s => s.SignalId == "flow")] -= 16;
        Assert.True(Math.Abs(compiled.Residual(values)) > relation.Tolerance);
    }

    private static double WorstResidual(CompiledRelation relation, int seed, int steps, bool measured) =>
        WorstResidual(relation, new PlantPhysics(seed), steps, measured);

    private static double WorstResidual(CompiledRelation relation, PlantPhysics physics, int steps, bool measured)
    {
        var previous = Slots(relation, measured ? physics.Measurements : physics.Truth);
        var worst = 0.0;
        for (var step = 0; step < steps; step++)
        {
            physics.Step();
            var values = Slots(relation, measured ? physics.Measurements : physics.Truth);
            var residual = relation.UsesDerivative
                ? relation.Residual(values, previous, SamplePlant.Period.TotalSeconds)
                : relation.Residual(values);
            worst = Math.Max(worst, Math.Abs(residual));
            previous = values;
        }

        return worst;
    }

    private static double[] Slots(CompiledRelation relation, ReadOnlySpan<double> signals)
    {
        var values = new double[relation.SlotInfo.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = signals[SamplePlant.IndexOf(relation.SlotInfo[i].AssetId, relation.SlotInfo[i].SignalId)];
        }

        return values;
    }
}

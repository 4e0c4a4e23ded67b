using TwinGuard.Simulator.Physics;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Simulator.Tests.Physics;

/// <summary>
/// The simulator's plant obeys the relations the twins evaluate: every relation of samples/plant.yaml, compiled by
/// the pipeline's own relation compiler with its coefficients, holds within its tolerance on the simulated readings
/// (algebraic: the residual; dynamic: the residual integrated with the relation's window as leak time constant).
/// </summary>
public sealed class PlantRelationsTests
{
    internal static readonly PlantModel Plant = PlantModelLoader.Load(Path.Combine(AppContext.BaseDirectory, "plant.yaml"));

    [Fact]
    public void Step_LivelyOperation_ObeysEveryRelationOfPlantYamlWithinTolerance()
    {
        Assert.NotEmpty(Plant.Relations);
        foreach (var relation in Plant.Relations)
        {
            var worst = WorstResidual(relation, seed: 7, steps: 7200, measured: true);
            Assert.True(worst <= relation.Tolerance, $"{relation.Id}: worst residual {worst} exceeds the tolerance {relation.Tolerance}");
        }
    }

    [Fact]
    public void Step_TamperedSetPoints_StillObeyEveryRelation()
    {
        // Set-point tampering and the replay's forced valve move change the process, not the physics: relations hold.
        foreach (var relation in Plant.Relations)
        {
            var physics = new PlantPhysics(11) { LevelSetPointOverride = 1.9, ValveInSetPointOverride = 40, SpeedSetPointOverride = 3100 };
            var worst = WorstResidual(relation, physics, steps: 2400, measured: true);
            Assert.True(worst <= relation.Tolerance, $"{relation.Id} under tampering: worst residual {worst}");
        }
    }

    [Fact]
    public void Residual_BiasedFlow_BreaksTheFlowRelation()
    {
        // The check above must be able to fail: a 16 l/min bias (the bias scenario) is outside the tolerance.
        var relation = Plant.Relations.Single(r => r.Id == "flow-follows-pump-and-valves");
        var compiled = relation.CompileFor(Plant);
        var physics = new PlantPhysics(5, PlantPhysicsOptions.Steady);
        var values = Slots(compiled, physics.Measurements);
        values[compiled.SlotInfo.ToList().FindIndex(s => s.SignalId == "flow")] -= 16;
        Assert.True(Math.Abs(compiled.Residual(values)) > relation.Tolerance);
    }

    private static double WorstResidual(RelationModel relation, int seed, int steps, bool measured) =>
        WorstResidual(relation, new PlantPhysics(seed), steps, measured);

    /// <summary>Algebraic: the largest |residual|. Dynamic: the largest |leaky integral of the residual| (leak = window).</summary>
    private static double WorstResidual(RelationModel model, PlantPhysics physics, int steps, bool measured)
    {
        var relation = model.CompileFor(Plant);
        var dt = SamplePlant.Period.TotalSeconds;
        var leak = Math.Exp(-dt / model.Window.TotalSeconds);
        var previous = Slots(relation, measured ? physics.Measurements : physics.Truth);
        var worst = 0.0;
        var integral = 0.0;
        for (var step = 0; step < steps; step++)
        {
            physics.Step();
            var values = Slots(relation, measured ? physics.Measurements : physics.Truth);
            if (relation.UsesDerivative)
            {
                integral = (integral * leak) + (relation.Residual(values, previous, dt) * dt);
                worst = Math.Max(worst, Math.Abs(integral));
            }
            else
            {
                worst = Math.Max(worst, Math.Abs(relation.Residual(values)));
            }

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

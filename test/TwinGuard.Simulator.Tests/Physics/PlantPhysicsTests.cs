using TwinGuard.Simulator.Physics;

namespace TwinGuard.Simulator.Tests.Physics;

public sealed class PlantPhysicsTests
{
    private static readonly int[] Seeds = [1, 7, 42, 2026];

    [Fact]
    public void Signals_ComparedWithPlantYaml_HaveTheSameUnitsRangesRatesAndPeriods()
    {
        var yaml = PlantYaml.Sample;
        Assert.Equal(yaml.Signals.Count, SamplePlant.Signals.Count);
        foreach (var signal in SamplePlant.Signals)
        {
            Assert.True(yaml.Signals.TryGetValue((signal.AssetId, signal.SignalId), out var spec), $"{signal} is not in plant.yaml");
            Assert.Equal(spec.Unit, signal.Unit);
            Assert.Equal(spec.Min, signal.Min);
            Assert.Equal(spec.Max, signal.Max);
            Assert.Equal(spec.MaxRate, signal.MaxRate);
            Assert.Equal(SamplePlant.Period, spec.Period);
        }
    }

    [Fact]
    public void Devices_ComparedWithPlantYaml_PublishOnlyToTheirOwnTopicsAndCoverEverySignal()
    {
        var yaml = PlantYaml.Sample;
        Assert.Equal(yaml.DeviceTopics.Keys.Order(), SamplePlant.Devices.Select(d => d.Id).Order());
        foreach (var device in SamplePlant.Devices)
        {
            Assert.Equal("demo-" + device.Id, device.Password);
            foreach (var publication in device.Publications)
            {
                var topics = publication.IsSingleSignal
                    ? publication.SignalIds.Select(s => $"plant/{publication.AssetId}/{s}")
                    : [$"plant/{publication.AssetId}"];
                foreach (var topic in topics)
                {
                    Assert.Contains(yaml.DeviceTopics[device.Id], f => PlantYaml.TopicMatches(f, topic));
                }
            }
        }

        var published = SamplePlant.Devices.SelectMany(d => d.Publications.SelectMany(p => p.SignalIds.Select(s => (p.AssetId, s)))).ToList();
        Assert.Equal(published.Count, published.Distinct().Count());
        Assert.Equal(yaml.Signals.Keys.Order(), published.Order());
    }

    [Fact]
    public void Step_SameSeed_GivesTheSameTrajectory()
    {
        var a = new PlantPhysics(5);
        var b = new PlantPhysics(5);
        for (var i = 0; i < 2000; i++)
        {
            a.Step();
            b.Step();
            Assert.True(a.Measurements.SequenceEqual(b.Measurements), $"step {i} differs");
        }
    }

    [Fact]
    public void Step_DifferentSeeds_GiveDifferentTrajectories()
    {
        var a = new PlantPhysics(5);
        var b = new PlantPhysics(6);
        a.Step();
        b.Step();
        Assert.False(a.Measurements.SequenceEqual(b.Measurements));
    }

    [Fact]
    public void Step_TwoHoursOfNormalOperation_StaysInRangeAndUnderMaxRateOfPlantYaml()
    {
        var yaml = PlantYaml.Sample;
        var dt = SamplePlant.Period.TotalSeconds;
        foreach (var seed in Seeds)
        {
            var physics = new PlantPhysics(seed);
            var previous = physics.Measurements.ToArray();
            for (var step = 1; step <= 2 * 3600 * 4; step++)
            {
                physics.Step();
                var current = physics.Measurements;
                for (var i = 0; i < current.Length; i++)
                {
                    var signal = SamplePlant.Signals[i];
                    var spec = yaml.Signals[(signal.AssetId, signal.SignalId)];
                    Assert.True(current[i] >= spec.Min && current[i] <= spec.Max, $"seed {seed} step {step}: {signal} = {current[i]} outside [{spec.Min}, {spec.Max}]");
                    var rate = Math.Abs(current[i] - previous[i]) / dt;
                    Assert.True(rate <= spec.MaxRate, $"seed {seed} step {step}: {signal} changes at {rate}/s, above {spec.MaxRate}/s");
                }

                current.CopyTo(previous);
            }
        }
    }

    [Fact]
    public void Step_SteadyOptions_HoldsEveryProcessValueAtItsOperatingPoint()
    {
        var physics = new PlantPhysics(3, PlantPhysicsOptions.Steady);
        var initial = physics.Truth.ToArray();
        var voltage = SamplePlant.IndexOf("pump1", "motor_voltage");
        for (var step = 0; step < 10 * 60 * 4; step++)
        {
            physics.Step();
            Assert.True(physics.ConveyorRunning);
        }

        for (var i = 0; i < initial.Length; i++)
        {
            var tolerance = i == voltage ? 3.0 : 1e-6 * Math.Max(1, Math.Abs(initial[i]));
            Assert.True(Math.Abs(physics.Truth[i] - initial[i]) <= tolerance, $"{SamplePlant.Signals[i]} moved from {initial[i]} to {physics.Truth[i]}");
        }
    }

    [Fact]
    public void Step_TenMinutesOfNormalOperation_IsNeitherConstantNorFrozen()
    {
        var physics = new PlantPhysics(3);
        var n = SamplePlant.Signals.Count;
        var series = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
        var conveyorStops = 0;
        var wasRunning = physics.ConveyorRunning;
        for (var step = 0; step < 10 * 60 * 4; step++)
        {
            physics.Step();
            for (var i = 0; i < n; i++)
            {
                series[i].Add(physics.Measurements[i]);
            }

            conveyorStops += wasRunning && !physics.ConveyorRunning ? 1 : 0;
            wasRunning = physics.ConveyorRunning;
        }

        Assert.True(conveyorStops >= 1, "the conveyor never stopped in ten minutes");
        for (var i = 0; i < n; i++)
        {
            var signal = SamplePlant.Signals[i];
            var values = series[i];
            Assert.True(values.Max() - values.Min() > 5 * signal.NoiseStdDev, $"{signal} barely moves: {values.Min()}..{values.Max()}");
            // The plant model calls 40 identical consecutive values a frozen sensor: normal operation must never look like one.
            var longestRun = 1;
            var run = 1;
            for (var k = 1; k < values.Count; k++)
            {
                run = values[k] == values[k - 1] ? run + 1 : 1;
                longestRun = Math.Max(longestRun, run);
            }

            Assert.True(longestRun < 40, $"{signal} repeats one value {longestRun} times");
        }
    }

    [Fact]
    public void Step_NormalOperation_ObeysTheAlgebraicRelationsOfPlantYamlWithinTolerance()
    {
        var relations = PlantYaml.Sample.Relations.ToDictionary(r => r.Id);
        var model = PlantRelationsTests.Plant.Relations.ToDictionary(r => r.Id);
        Assert.Contains("k * pump1.speed * min(valve_in.opening, valve_out.opening) / 100", relations["flow-follows-pump-and-valves"].Expression, StringComparison.Ordinal);
        Assert.Equal(0.05, model["flow-follows-pump-and-valves"].Coefficients.Single(c => c.Key == "k").Value);
        Assert.Contains("i0 + b * pump1.flow", relations["motor-current-follows-flow"].Expression, StringComparison.Ordinal);
        Assert.Equal([1.2, 0.05], model["motor-current-follows-flow"].Coefficients.Select(c => c.Value));
        var physics = new PlantPhysics(11);
        for (var step = 0; step < 3600 * 4; step++)
        {
            physics.Step();
            var speed = physics.Measured("pump1", "speed");
            var flow = physics.Measured("pump1", "flow");
            var opening = Math.Min(physics.Measured("valve_in", "opening"), physics.Measured("valve_out", "opening"));
            Assert.True(Math.Abs(flow - (0.05 * speed * opening / 100)) <= relations["flow-follows-pump-and-valves"].Tolerance, $"step {step}: flow relation broken");
            Assert.True(Math.Abs(physics.Measured("pump1", "motor_current") - (1.2 + (0.05 * flow))) <= relations["motor-current-follows-flow"].Tolerance, $"step {step}: current relation broken");
        }
    }

    [Fact]
    public void Step_TankLevel_IntegratesInflowMinusOutflowAsPlantYamlStates()
    {
        var relation = PlantYaml.Sample.Relations.Single(r => r.Id == "tank-level-integrates-flows");
        Assert.Contains("c * pump1.flow * (valve_in.opening - valve_out.opening)", relation.Expression, StringComparison.Ordinal);
        var c = PlantRelationsTests.Plant.Relations.Single(r => r.Id == relation.Id).Coefficients.Single(k => k.Key == "c").Value;
        Assert.Equal(1.0 / 600000, c, 12);
        var physics = new PlantPhysics(13);
        var level = SamplePlant.IndexOf("tank1", "level");
        var flow = SamplePlant.IndexOf("pump1", "flow");
        var valveIn = SamplePlant.IndexOf("valve_in", "opening");
        var valveOut = SamplePlant.IndexOf("valve_out", "opening");
        var moved = 0.0;
        for (var step = 0; step < 3600 * 4; step++)
        {
            var before = physics.Truth[level];
            physics.Step();
            var truth = physics.Truth;
            var expected = truth[flow] * (truth[valveIn] - truth[valveOut]) / 600000;
            Assert.Equal(expected, (truth[level] - before) / SamplePlant.Period.TotalSeconds, 9);
            moved += Math.Abs(truth[level] - before);
        }

        Assert.True(moved > 0.1, $"the level hardly moved in an hour ({moved} m in total)");
    }
}

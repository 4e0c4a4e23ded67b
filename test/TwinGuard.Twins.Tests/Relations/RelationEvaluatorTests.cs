using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Tests.Relations;

public sealed class RelationEvaluatorTests
{
    private const long T0 = 1_764_115_200_000;

    private static readonly DetectionSettings Detection = DetectionSettings.Default;

    private static RelationEvaluator Algebraic(string expression = "pump1.flow ~ 0.05 * pump1.speed", double tolerance = 5, double? noise = 0.8)
    {
        var model = new RelationModel("r", "algebraic", expression, tolerance, []) { Noise = noise };
        return new RelationEvaluator(model, CompiledRelation.Compile(expression), Detection, [160, 3200]);
    }

    private static RelationEvaluator Tank(double tolerance = 0.006)
    {
        const string expression = "der(tank1.level) ~ 1e-3 * pump1.flow";
        var model = new RelationModel("tank", "dynamic", expression, tolerance, []);
        return new RelationEvaluator(model, CompiledRelation.Compile(expression), Detection);
    }

    [Fact]
    public void Evaluate_AlignedInputs_ResidualIsLeftMinusRight()
    {
        var evaluator = Algebraic();
        evaluator.Offer(0, T0, 103);
        evaluator.Offer(1, T0, 2000);

        Assert.Equal(RelationEvent.None, evaluator.Evaluate());

        Assert.Equal(RelationState.Holding, evaluator.Last.State);
        Assert.Equal(3, evaluator.Last.Residual, 12);
        Assert.Equal(103, evaluator.Last.Measured, 12);
        Assert.Equal(100, evaluator.Last.Expected, 12);
    }

    [Fact]
    public void Evaluate_OneInputBehind_WaitsAndInterpolatesTheOtherAtItsTime()
    {
        var evaluator = Algebraic();
        evaluator.Offer(1, T0, 2000);
        evaluator.Offer(1, T0 + 500, 3000);
        evaluator.Offer(0, T0 + 250, 125);

        evaluator.Evaluate();

        // Speed at T0 + 250 is halfway between 2000 and 3000: 2500 rpm, so 125 l/min is exactly as predicted.
        Assert.Equal(T0 + 250, evaluator.Last.TimeMs);
        Assert.Equal(0, evaluator.Last.Residual, 9);
        Assert.Equal(1, evaluator.Evaluations);
    }

    [Fact]
    public void Evaluate_InputSilentLongerThanMaxAge_IsUnknownNotViolated()
    {
        var evaluator = Algebraic();
        evaluator.Offer(0, T0, 100);
        evaluator.Offer(1, T0, 2000);
        evaluator.Evaluate();
        for (var i = 1; i <= 12; i++)
        {
            evaluator.Offer(1, T0 + (250 * i), 2000 + (100 * i)); // the flow meter went quiet, speed went on
        }

        evaluator.Evaluate(nowMs: T0 + 3000);

        Assert.Equal(RelationState.Unknown, evaluator.Last.State);
        Assert.Equal(0, evaluator.Violations);
    }

    [Fact]
    public void Evaluate_UnavailableInput_IsUnknownUntilReleased()
    {
        var evaluator = Algebraic();
        evaluator.SetUnavailable(0, true);
        evaluator.Offer(0, T0, 160);
        evaluator.Offer(1, T0, 1000);

        Assert.Equal(RelationEvent.None, evaluator.Evaluate());
        Assert.Equal(RelationState.Unknown, evaluator.Last.State);

        evaluator.SetUnavailable(0, false);
        Assert.Equal(RelationEvent.Violated, evaluator.Evaluate());
    }

    [Fact]
    public void Evaluate_ResidualBeyondTolerance_ReportsViolationOnceWhileItLasts()
    {
        var evaluator = Algebraic();
        var events = new List<RelationEvent>();
        for (var i = 0; i < 8; i++)
        {
            evaluator.Offer(0, T0 + (250 * i), i is >= 3 and < 6 ? 130 : 100);
            evaluator.Offer(1, T0 + (250 * i), 2000);
            events.Add(evaluator.Evaluate());
        }

        Assert.Equal([RelationEvent.None, RelationEvent.None, RelationEvent.None, RelationEvent.Violated, RelationEvent.None, RelationEvent.None, RelationEvent.None, RelationEvent.None], events);
        Assert.Equal(3, evaluator.Violations);
        Assert.Equal(RelationState.Holding, evaluator.Last.State);
    }

    [Fact]
    public void Evaluate_DynamicRelationFollowed_IntegralStaysNearZero()
    {
        var evaluator = Tank();
        var level = 1.0;
        for (var i = 0; i < 400; i++)
        {
            var flow = 1 + Math.Sin(i / 20.0);   // level rises at 1e-3 · flow m/s
            level += 1e-3 * flow * 0.25;
            evaluator.Offer(0, T0 + (250 * i), level);
            evaluator.Offer(1, T0 + (250 * i), flow);
            Assert.Equal(RelationEvent.None, evaluator.Evaluate());
        }

        Assert.Equal(RelationState.Holding, evaluator.Last.State);
        Assert.True(Math.Abs(evaluator.Last.Residual) < 1e-4, $"residual {evaluator.Last.Residual}");
        Assert.Equal(level, evaluator.Last.Measured, 12);
    }

    [Fact]
    public void Evaluate_DynamicRelationLevelDriftsAway_IntegralCrossesTolerance()
    {
        var evaluator = Tank();
        var level = 1.0;
        var violatedAt = -1;
        for (var i = 0; i < 200 && violatedAt < 0; i++)
        {
            level += (1e-3 * 0.25) + (i >= 40 ? 0.001 * 0.25 : 0); // from 10 s on, 1 mm/s more than the flow explains
            evaluator.Offer(0, T0 + (250 * i), level);
            evaluator.Offer(1, T0 + (250 * i), 1);
            if (evaluator.Evaluate() == RelationEvent.Violated)
            {
                violatedAt = i;
            }
        }

        // 6 mm of unexplained level at 1 mm/s, less the leak of the 30 s window: a little over 6 s.
        Assert.InRange(violatedAt, 40 + 24, 40 + 32);
    }

    [Fact]
    public void Culprit_DriftOnOneInput_BlamesIt()
    {
        const string expression = "pump1.flow ~ 0.05 * pump1.speed * valve_in.opening / 100";
        var model = new RelationModel("r", "algebraic", expression, 5, []);
        var evaluator = new RelationEvaluator(model, CompiledRelation.Compile(expression), Detection, [160, 3200, 100]);
        var found = RelationEvent.None;
        for (var i = 0; i < 200 && found != RelationEvent.Violated; i++)
        {
            var speed = 2000 + (i % 40 * 10);                      // the process moves
            var opening = 80 + (i >= 100 ? (i - 100) * 0.5 : 0);   // the valve reading drifts from 25 s on
            evaluator.Offer(0, T0 + (250 * i), 0.05 * speed * 80 / 100);
            evaluator.Offer(1, T0 + (250 * i), speed);
            evaluator.Offer(2, T0 + (250 * i), opening);
            found = evaluator.Evaluate();
        }

        Assert.Equal(RelationEvent.Violated, found);
        Assert.Equal(2, evaluator.Culprit);
    }

    [Fact]
    public void Evaluate_SmallPersistentBias_ReportsShiftBeforeTolerance()
    {
        var evaluator = Algebraic(noise: 0.5);
        var random = new Random(5);
        var found = new List<(int Tick, RelationEvent Event)>();
        for (var i = 0; i < 600; i++)
        {
            var noise = (random.NextDouble() - 0.5) * 1.2;
            var bias = i >= 300 ? 2.0 : 0; // 4 sigma, well within the tolerance of 5
            evaluator.Offer(0, T0 + (250 * i), 100 + noise + bias);
            evaluator.Offer(1, T0 + (250 * i), 2000);
            if (evaluator.Evaluate() is var e and not RelationEvent.None)
            {
                found.Add((i, e));
            }
        }

        var first = Assert.Single(found, f => f.Event == RelationEvent.Shifted && f.Tick >= 300 && f.Tick < 320);
        Assert.DoesNotContain(found, f => f.Tick < 300);
        Assert.Equal(0, evaluator.Violations);
        Assert.Equal(RelationEvent.Shifted, first.Event);
    }

    [Fact]
    public void OfferAndEvaluate_SteadyState_AllocateNothing()
    {
        var evaluator = Tank();
        // Long enough a warm-up for the JIT's tiering to settle (its work is not the evaluator's allocation).
        for (var i = 0; i < 20_000; i++)
        {
            evaluator.Offer(0, T0 + (250 * i), 1 + (i * 2.5e-4));
            evaluator.Offer(1, T0 + (250 * i), 1);
            evaluator.Evaluate(T0 + (250 * i));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 20_000; i < 30_000; i++)
        {
            evaluator.Offer(0, T0 + (250 * i), 1 + (i * 2.5e-4));
            evaluator.Offer(1, T0 + (250 * i), 1);
            evaluator.Evaluate(T0 + (250 * i));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(29_999, evaluator.Evaluations);
    }

    [Fact]
    public void Culprit_DynamicRelationWithFalsifiedFlow_BlamesTheFlowNotTheLevel()
    {
        const string expression = "der(tank1.level) ~ 1e-3 * (pump1.flow - valve_out.opening)";
        var model = new RelationModel("tank", "dynamic", expression, 0.006, []);
        var evaluator = new RelationEvaluator(model, CompiledRelation.Compile(expression), Detection, [2, 160, 100]);
        var level = 1.0;
        var found = RelationEvent.None;
        for (var i = 0; i < 400 && found != RelationEvent.Violated; i++)
        {
            var inflow = 50 + (10 * Math.Sin(i / 30.0));
            var outflow = 50.0;
            level += 1e-3 * (inflow - outflow) * 0.25;
            var reported = inflow + (i >= 200 ? 0.05 * (i - 200) : 0); // the inflow reading drifts up from 50 s on
            evaluator.Offer(0, T0 + (250 * i), level);
            evaluator.Offer(1, T0 + (250 * i), reported);
            evaluator.Offer(2, T0 + (250 * i), outflow);
            found = evaluator.Evaluate();
        }

        Assert.Equal(RelationEvent.Violated, found);
        Assert.Equal(1, evaluator.Culprit);
    }
}

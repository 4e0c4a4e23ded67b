using Microsoft.Extensions.Time.Testing;
using TwinGuard.Detection;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Detection.Profiling;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Detect;

public sealed class AssetDetectorTests
{
    private static readonly AssetModel Pump = SamplePlant.Load().FindAsset("pump1")!;

    /// <summary>A pump state where every signal follows the speed, as the physics says.</summary>
    private static double[] State(double speed, Random random)
    {
        var flow = (0.04 * speed) + random.NextDouble();
        return
        [
            speed,
            flow,
            (0.0004 * speed) + (0.01 * random.NextDouble()),
            1.2 + (0.05 * flow) + (0.02 * random.NextDouble()),
            230 + random.NextDouble(),
            40 + random.NextDouble(),
            (0.0001 * speed) + (0.01 * random.NextDouble()),
        ];
    }

    [Fact]
    public void Observe_AfterWarmUp_FlagsABrokenCombinationAndNamesTheSignal()
    {
        var detector = new AssetDetector(Pump, DetectionSettings.Default with { MultivariateWarmUp = 200 });
        var versions = new List<int>();
        detector.ModelFitted += versions.Add;
        var random = new Random(5);
        for (var i = 0; i < 425; i++)
        {
            // Normal operation, including operating changes: the speed moves between set-points.
            var speed = 2000 + (600 * Math.Sin(i / 40.0));
            detector.PendingRefit?.Wait(); // a twin that keeps up: the fit is done by its adopt row (Observe never waits)
            Assert.Null(detector.Observe(State(speed, random)));
        }

        Assert.True(detector.IsScoring);
        // Fitted after 200 states; refitted beside the stream after 200 more, and adopted 25 states later (a warm-up / 8).
        Assert.Equal([1, 2], versions);
        Assert.Equal(0, detector.AdoptedLate);
        var spoofed = State(2000, random);
        spoofed[1] = 40; // flow far below what the speed implies, while still inside its range
        (double Score, string TopSignal, string Explanation)? found = null;
        for (var i = 0; i < 20 && found is null; i++)
        {
            found = detector.Observe(spoofed);
        }

        Assert.NotNull(found);
        Assert.Equal("flow", found.Value.TopSignal);
        Assert.StartsWith("flow", found.Value.Explanation, StringComparison.Ordinal);
        Assert.InRange(found.Value.Score, 0, 1);
    }

    [Fact]
    public void Observe_ThresholdRaisedByVerdicts_ReportsOnlyStatesOverTheRaisedLine_AndNeverPutsItOutOfReach()
    {
        var configured = new AssetDetector(Pump, DetectionSettings.Default with { MultivariateWarmUp = 200 });
        var raised = new AssetDetector(Pump, DetectionSettings.Default with { MultivariateWarmUp = 200 });
        var (a, b) = (new Random(5), new Random(5));
        // Two twins that keep up: each refit's fit is done by its adopt row (Observe never waits for it), so both adopt
        // at the same rows and score every state alike.
        void KeepUp()
        {
            configured.PendingRefit?.Wait();
            raised.PendingRefit?.Wait();
        }

        for (var i = 0; i < 425; i++)
        {
            KeepUp();
            var speed = 2000 + (600 * Math.Sin(i / 40.0));
            configured.Observe(State(speed, a));
            raised.Observe(State(speed, b), raise: DetectorTuning.MultivariateMaxFactor);
        }

        // Breaks of growing size, each fed to both (never learned), normal states in between. Both score every state
        // alike; the raised one reports exactly the states over the line raised x1.5 in odds, and some over the
        // calibrated line are not among them.
        var line = configured.Threshold!;
        var raisedLine = line.RaisedBy(DetectorTuning.MultivariateMaxFactor);
        Assert.InRange(raisedLine, line.Value, 1.0);
        var (reported, reportedRaised) = (new List<double>(), new List<double>());
        var k = 425; // the operating trajectory goes on: only the flow breaks away from it
        double Speed() => 2000 + (600 * Math.Sin(k++ / 40.0));
        for (var deviation = 4; deviation <= 40; deviation += 4)
        {
            for (var i = 0; i < 60; i++)
            {
                KeepUp();
                var speed = Speed();
                var (sa, sb) = (State(speed, a), State(speed, b));
                sa[1] = sb[1] = sa[1] - (i < 20 ? deviation : 0);
                if (configured.Observe(sa, learn: false) is { } f)
                {
                    reported.Add(f.Score);
                }

                if (raised.Observe(sb, learn: false, raise: DetectorTuning.MultivariateMaxFactor) is { } g)
                {
                    reportedRaised.Add(g.Score);
                }
            }
        }

        Assert.Equal((0, 0), (configured.AdoptedLate, raised.AdoptedLate)); // both kept up: the same rows scored alike
        Assert.Equal(reported.Where(x => x > raisedLine), reportedRaised);
        Assert.Contains(reported, x => x <= raisedLine);

        // A strong break still crosses the raised line: the bound keeps the model able to report.
        (double Score, string TopSignal, string Explanation)? foundRaised2 = null;
        for (var i = 0; i < 40 && foundRaised2 is null; i++)
        {
            var spoofed = State(2000, b);
            spoofed[1] = 40;
            foundRaised2 = raised.Observe(spoofed, learn: false, raise: DetectorTuning.MultivariateMaxFactor);
        }

        Assert.NotNull(foundRaised2);
        Assert.Equal("flow", foundRaised2.Value.TopSignal);
    }

    [Theory]
    [InlineData(0.002)]
    [InlineData(0.0015)]
    [InlineData(0.001)]
    public void Observe_MotorTemperatureCreepingBelowEveryThreshold_RefusesTheRetrainingsThatWouldLearnIt_AndReportsOnce(double perState)
    {
        var detector = new AssetDetector(Pump, DetectionSettings.Default with { MultivariateWarmUp = 200 });
        var refused = new List<(double Rejection, double Drift)>();
        var versions = new List<int>();
        detector.BaselineDrifting += (rejection, drift) => refused.Add((rejection, drift));
        detector.ModelFitted += versions.Add;
        var random = new Random(9);
        for (var i = 0; i < 2000; i++)
        {
            var state = State(2000 + (600 * Math.Sin(i / 40.0)), random);
            // +1.8 to +3.6 degC over 1,800 states (6 to 12 standard deviations of its noise). With the shared `pca` preset
            // (episode end, q0.99 x 1.5) the faster creeps are flagged before a retraining learns much of them: the guard
            // must refuse on how far the operation moved, not on which states happened to be flagged (it did not, before).
            state[5] += Math.Max(0, i - 200) * perState;
            detector.PendingRefit?.Wait(); // a twin that keeps up: each refit adopted at its state, the same states every run
            detector.Observe(state);
        }

        Assert.Equal(0, detector.AdoptedLate);
        var report = Assert.Single(refused);
        Assert.True(report.Rejection > 0.3 || report.Drift > 1.0, $"reported at {report}");
        Assert.True(versions.Count < 9, $"{versions.Count} model versions: the creep was learned");
    }

    [Fact]
    public void Restore_CheckpointWithLateAdoptions_KeepsTheirCountAndReportsOnlyNewOnes()
    {
        var settings = DetectionSettings.Default with { MultivariateWarmUp = 200 };
        var original = new AssetDetector(Pump, settings);
        var random = new Random(5);
        double[] Next(int i) => State(2000 + (600 * Math.Sin(i / 40.0)), random);
        for (var i = 0; i < 250; i++)
        {
            original.Observe(Next(i));
        }

        // The checkpoint of a twin that adopted two retrainings late before it was stopped (the twin's storage keeps the count).
        var checkpoint = original.Checkpoint();
        var restored = new AssetDetector(Pump, settings);
        restored.Restore(checkpoint with { Counters = checkpoint.Counters with { AdoptedLate = 2 } }, original.AnnouncedVersion);
        var reported = 0;
        restored.RefitAdoptedLate += () => reported++;
        for (var i = 250; i < 500; i++)
        {
            restored.PendingRefit?.Wait(); // keeps up: the retraining started at state 400 is adopted on time
            restored.Observe(Next(i));
        }

        Assert.Equal(2, restored.AnnouncedVersion); // a retraining was adopted after the restore
        Assert.Equal(2, restored.AdoptedLate);
        Assert.Equal(2, restored.Checkpoint().Counters.AdoptedLate);
        Assert.Equal(0, reported); // the restored ones are not reported again (the twin's /metrics counter counts this run's)
    }

    [Fact]
    public void Forget_StatesOfAConfirmedAttack_AreDroppedFromWhatRefitsLearn_AndLaterOnesAreNotLearned()
    {
        var detector = new AssetDetector(Pump, DetectionSettings.Default with { MultivariateWarmUp = 200 });
        var random = new Random(5);
        for (var i = 0; i < 300; i++)
        {
            // One state a second from t = 0; fitted at 200, the next 100 learned (none is flagged: see the test above).
            Assert.Null(detector.Observe(State(2000 + (600 * Math.Sin(i / 40.0)), random), timeMs: i * 1000L));
        }

        Assert.Equal(30, detector.Forget(250_000, 279_000));
        Assert.Equal(0, detector.Forget(250_000, 279_000));
        Assert.Equal(50, detector.Forget(100_000, 149_999)); // warm-up states are forgotten too

        for (var i = 300; i < 320; i++)
        {
            detector.Observe(State(2000 + (600 * Math.Sin(i / 40.0)), random), timeMs: i * 1000L, learn: false);
        }

        for (var i = 320; i < 340; i++)
        {
            detector.Observe(State(2000 + (600 * Math.Sin(i / 40.0)), random), timeMs: i * 1000L);
        }

        // Nor are the states whose feature window (10 states) still holds one of them.
        Assert.Equal(0, detector.Forget(300_000, 328_000));
        Assert.Equal(11, detector.Forget(329_000, 339_000));
    }

    /// <summary>
    /// A pump whose speed cycles every 50 states, whose motor temperature warms steadily through commissioning and
    /// beyond, and whose voltage never moves; the rest is noise around a level.
    /// </summary>
    private static double[] ShapedState(int i, Random random) =>
    [
        2000 + (300 * Math.Sin(2 * Math.PI * i / 50.0)) + (20 * random.NextDouble()),
        80 + random.NextDouble(),
        0.8 + (0.01 * random.NextDouble()),
        5 + (0.05 * random.NextDouble()),
        230,
        40 + (0.02 * i) + random.NextDouble(),
        0.2 + (0.01 * random.NextDouble()),
    ];

    [Fact]
    public void Observe_CommissioningWindow_InfersEachSignalsKindAndPeriodAsDetectDoes_LevelsKept()
    {
        const int warmUp = 400;
        var detector = new AssetDetector(Pump, DetectionSettings.Default with { MultivariateWarmUp = warmUp });
        var random = new Random(3);
        var window = new List<double[]>();
        var found = new List<string>();
        for (var i = 0; i < warmUp + 600; i++)
        {
            var state = ShapedState(i, random);
            if (i < warmUp)
            {
                window.Add(state);
            }

            detector.PendingRefit?.Wait(); // a twin that keeps up: the refit at state 800 is adopted at 850, run after run
            if (detector.Observe(state) is { } f)
            {
                found.Add(f.TopSignal);
            }
        }

        Assert.Equal(0, detector.AdoptedLate);
        var profiles = detector.Profiles;
        Assert.Equal(Pump.Signals.Count, profiles.Count);
        Assert.Equal(ColumnKind.Drifting, profiles[Pump.IndexOf("motor_temp")].Kind);
        Assert.Equal(ColumnKind.Constant, profiles[Pump.IndexOf("motor_voltage")].Kind);

        // One piece of code: the kinds and periods `detect` infers on the same window with the same preset. The one
        // exception: a twin keeps every level as a feature, where detect makes the warming temperature level-free.
        var detect = AnomalyPipeline.Fit(FeatureMatrix.FromRows(window), DetectorCatalog.Create(DetectionSettings.Default.MultivariateDetector));
        Assert.Equal(detect.Profiles.Select(p => (p.Kind, p.Period)), profiles.Select(p => (p.Kind, p.Period)));
        Assert.Equal(50, profiles[Pump.IndexOf("speed")].Period);
        Assert.True(detect.Profiles[Pump.IndexOf("motor_temp")].LevelFree, "detect makes the warming temperature level-free");
        Assert.All(profiles, p => Assert.False(p.LevelFree));

        // Its level kept, the temperature warming on past anything commissioned is reported, and it is what is blamed;
        // the cycling speed (differenced by its period) and the constant voltage never are.
        Assert.Contains("motor_temp", found);
        Assert.DoesNotContain("speed", found);
        Assert.DoesNotContain("motor_voltage", found);
    }

    /// <summary>A steady pump state (the speed held at a set-point), with <paramref name="voltageShift"/> added to the voltage.</summary>
    private static double[] SteadyState(Random random, double voltageShift) =>
    [
        2000 + (20 * random.NextDouble()),
        80 + random.NextDouble(),
        0.8 + (0.01 * random.NextDouble()),
        5 + (0.05 * random.NextDouble()),
        230 + voltageShift + (4 * random.NextDouble()),
        40 + random.NextDouble(),
        0.2 + (0.01 * random.NextDouble()),
    ];

    [Theory]
    [InlineData(null)]
    [InlineData("pump1.pressure")]
    [InlineData("valve_in.opening")]
    [InlineData("source")]
    public void Observe_NewOperatingPointHeld_IsAcceptedOnlyWithoutAlarmsElsewhereDuringTheHold(string? alarmOn)
    {
        // The motor voltage moves to a new level at state 400 (7 of its standard deviations) and holds it. With multivariate_accept_after 300 the
        // twin accepts it once every state has been flagged for 300 states, unless something else alarmed during the
        // hold: another signal of the pump, an asset it shares a relation with, or its source.
        var plant = SamplePlant.Load();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var evidence = new EvidenceSink(new PipelineMetrics(), clock);
        var alarms = new AlarmLog(evidence, plant);
        var related = AlarmLog.RelatedAssets(plant, "pump1");
        Assert.Contains("valve_in", related);
        string[] sources = ["loop-plc"];
        Assert.NotNull(plant.FindDevice("loop-plc"));
        var detector = new AssetDetector(Pump, DetectionSettings.Default with { MultivariateWarmUp = 200, MultivariateAcceptAfter = 300 },
            (from, moved) => alarms.Since(from, Pump, moved, related, sources));
        var decisions = new List<(int State, string Decision, string Detail)>();
        var state = 0;
        detector.OperatingPointDecided += d => decisions.Add((state, d.Decision, d.Detail));
        var random = new Random(11);
        for (state = 0; state < 1500; state++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(250));
            if (state == 550 && alarmOn is not null)
            {
                // Half-way through the first hold, once.
                var (asset, signal, device, reason) = alarmOn switch
                {
                    "source" => ((string?)null, (string?)null, "loop-plc", ReasonCode.IntelMatch),
                    _ => (alarmOn.Split('.')[0], alarmOn.Split('.')[1], (string?)null, ReasonCode.StatisticalOutlier),
                };
                evidence.Raise(new Finding(clock.GetUtcNow(), reason, Severity.Medium, asset, signal, device, null, 7, "elsewhere"));
            }

            detector.PendingRefit?.Wait(); // a twin that keeps up: its refits are adopted at the same states every run
            detector.Observe(SteadyState(random, state >= 400 ? 8 : 0), now: clock.GetUtcNow());
        }

        Assert.Equal(0, detector.AdoptedLate);

        if (alarmOn is null)
        {
            var alone = Assert.Single(decisions);
            Assert.Equal("new_operating_point_accepted", alone.Decision);
            Assert.InRange(alone.State, 690, 760); // 300 flagged states after the move, plus the smoothing's delay
            Assert.Contains("no alarm elsewhere", alone.Detail, StringComparison.Ordinal);
            return;
        }

        // Refused at the end of the first hold, with the reason; accepted only after a later hold of 300 states in
        // which nothing else alarmed (a hold may also be judged still moving in between: the noise of its centre).
        var all = string.Join(" | ", decisions);
        Assert.True(decisions.Count >= 2, all);
        Assert.Equal("new_operating_point_refused", decisions[0].Decision);
        Assert.InRange(decisions[0].State, 690, 760);
        Assert.Contains(alarmOn switch
        {
            "source" => "a intel_match finding against its source loop-plc during the hold",
            "pump1.pressure" => "a statistical_outlier finding on pump1.pressure during the hold",
            _ => "a statistical_outlier finding on the related asset valve_in during the hold",
        }, decisions[0].Detail, StringComparison.Ordinal);
        var accepted = Assert.Single(decisions, d => d.Decision == "new_operating_point_accepted");
        Assert.True(accepted == decisions[^1] && accepted.State >= decisions[0].State + 300, all);
        Assert.Contains("no alarm elsewhere", accepted.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_StatesHoldingAHeldValue_AreScoredButNeverLearned_NorCountTowardARefitOrAnOperatingPoint()
    {
        // Fitted on 200 steady states; from state 300 a signal is held (learn: false) while the voltage moves to a new
        // level and stays there, as in the accept-after case above where 300 flagged states accept it. Held, the states
        // are scored (the move is still found), but nothing of them is learned: no row, no refit started by their
        // count, and no new operating point accepted on them.
        var detector = new AssetDetector(Pump, DetectionSettings.Default with { MultivariateWarmUp = 200, MultivariateAcceptAfter = 300 });
        var decisions = new List<string>();
        detector.OperatingPointDecided += d => decisions.Add(d.Decision);
        var random = new Random(11);
        for (var state = 0; state < 300; state++)
        {
            detector.PendingRefit?.Wait();
            detector.Observe(SteadyState(random, 0));
        }

        Assert.True(detector.IsScoring);
        var before = detector.Checkpoint().Counters;
        var found = 0;
        for (var state = 300; state < 1500; state++)
        {
            found += detector.Observe(SteadyState(random, state >= 400 ? 8 : 0), learn: false) is null ? 0 : 1;
        }

        var after = detector.Checkpoint().Counters;
        Assert.True(found > 0, "held states are still scored");
        Assert.Equal(before.Learned, after.Learned);
        Assert.Equal(before.SinceFit, after.SinceFit);
        Assert.Equal(0, after.FlaggedRun);
        Assert.Null(detector.PendingRefit);
        Assert.Equal(1, detector.AnnouncedVersion);
        Assert.Empty(decisions);

        // Trusted again: learning resumes once the feature window no longer holds a held state.
        for (var state = 0; state < 100; state++)
        {
            detector.Observe(SteadyState(random, 0));
        }

        Assert.True(detector.Checkpoint().Counters.Learned > after.Learned);
    }

    [Fact]
    public void Since_FindingsOnTheMovedSignalsOrTheModelsOwn_AreNotElsewhere_AndUnknownIdsAreNotKept()
    {
        var plant = SamplePlant.Load();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var evidence = new EvidenceSink(new PipelineMetrics(), clock);
        var alarms = new AlarmLog(evidence, plant);
        var from = clock.GetUtcNow();
        HashSet<string> moved = ["motor_voltage"];
        void Raise(ReasonCode reason, string? asset, string? signal, string? device) =>
            evidence.Raise(new Finding(clock.GetUtcNow(), reason, Severity.Medium, asset, signal, device, null, 1, "x"));

        Raise(ReasonCode.PersistentShift, "pump1", "motor_voltage", "loop-plc");    // the change itself
        Raise(ReasonCode.MultivariateAnomaly, "pump1", "flow", "loop-plc");         // the model's own finding
        Raise(ReasonCode.UnknownSource, null, null, "attacker-chosen-name");    // not a device of the plant
        Raise(ReasonCode.StatisticalOutlier, "tank9", "level", null);           // not an asset of the plant
        Assert.Null(alarms.Since(from, Pump, moved, ["valve_in"], ["loop-plc"]));

        Raise(ReasonCode.OutOfRange, "pump1", "flow", "loop-plc");
        Assert.Equal("a out_of_range finding on pump1.flow", alarms.Since(from, Pump, moved, [], ["loop-plc"]));
        Assert.Null(alarms.Since(clock.GetUtcNow().AddTicks(1), Pump, moved, [], ["loop-plc"])); // before the hold
    }
}

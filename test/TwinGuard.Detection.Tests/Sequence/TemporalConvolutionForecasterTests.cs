using TwinGuard.Detection.Features;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Detection.Sequence;

namespace TwinGuard.Detection.Tests.Sequence;

public sealed class TemporalConvolutionForecasterTests
{
    private const int Lags = 16;

    [Fact]
    public void Fit_TwoCycles_ForecastsFarBetterThanPersistence()
    {
        var (features, window) = LagRows(TestData.Cycles(600, seed: 1));
        var model = new TemporalConvolutionForecaster { Window = window };
        model.Fit(features);

        // With a 24-row and a 37-row cycle, "next = last" is off by the slope; the network learns the cycle. The
        // noise (sd 0.05 against an amplitude of 1) bounds the loss from below.
        Assert.True(model.FinalLoss < model.PersistenceLoss / 4, $"loss {model.FinalLoss} vs persistence {model.PersistenceLoss}");

        // So it does on the windows held out for early stopping, against the last value and the mean alike.
        Assert.True(model.HeldOutLoss < model.HeldOutNaiveLoss / 4, $"held out {model.HeldOutLoss} vs naive {model.HeldOutNaiveLoss}");
        Assert.True(model.LearnedASequence);
        Assert.Equal(((2 * 2 * 16) + 16) + (3 * ((2 * 16 * 16) + 16)) + ((16 * 2) + 2), model.ParameterCount);
    }

    [Fact]
    public void Fit_NothingToLearnBeyondNoise_StopsEarlyOnTheHeldOutRows()
    {
        // White noise: the held-out error stops improving within a few epochs, so training ends long before 40.
        var random = new Random(5);
        var noise = new FeatureMatrix(600, 2);
        for (var i = 0; i < noise.Rows; i++)
        {
            noise[i, 0] = random.NextDouble();
            noise[i, 1] = random.NextDouble();
        }

        var (features, window) = LagRows(noise);
        var stopping = new TemporalConvolutionForecaster { Window = window };
        stopping.Fit(features);
        var every = new TemporalConvolutionForecaster(new ForecasterOptions { Patience = 0 }) { Window = window };
        every.Fit(features);

        Assert.InRange(stopping.EpochsRun, 1, 20);
        Assert.Equal(40, every.EpochsRun);

        // Nothing to learn: on the held-out windows it does no better than the mean, so it has learned no sequence.
        Assert.False(stopping.LearnedASequence, $"held out {stopping.HeldOutLoss} vs naive {stopping.HeldOutNaiveLoss}");
        Assert.True(every.LearnedASequence, "without held-out windows there is no evidence either way");
    }

    [Fact]
    public void Score_CycleBrokenInOneColumn_ScoresTheBreakAboveEveryNormalRowAndBlamesThatColumn()
    {
        var rows = TestData.Cycles(900, seed: 2);
        const int breakRow = 700;

        // Column 1 skips half a cycle: every value stays in its normal range, only the sequence is wrong.
        for (var i = breakRow; i < rows.Rows; i++)
        {
            rows[i, 1] = -rows[i, 1];
        }

        var (features, window) = LagRows(rows);
        var model = new TemporalConvolutionForecaster { Window = window };
        model.Fit(features.Slice(0, 500));
        var scores = new double[features.Rows];
        model.Score(features, scores);

        var at = breakRow - Lags; // the lag rows start at the first full window
        var normalMax = scores.AsSpan(500, at - 500).ToArray().Max();
        Assert.True(scores[at] > normalMax, $"break {scores[at]} vs the highest normal row {normalMax}");
        var contributions = new double[features.Columns];
        model.Explain(features.Row(at), contributions);
        Assert.Equal(window.Start + (Lags * 2) + 1, Array.IndexOf(contributions, contributions.Max()));
    }

    [Fact]
    public void Score_OneRowAtATime_EqualsBatchScoring()
    {
        var (features, window) = LagRows(TestData.Cycles(400, seed: 3));
        var model = new TemporalConvolutionForecaster(new ForecasterOptions { Epochs = 5 }) { Window = window };
        model.Fit(features.Slice(0, 300));
        var batch = new double[features.Rows];
        model.Score(features, batch);

        for (var i = 0; i < features.Rows; i++)
        {
            Assert.Equal(batch[i], model.Score(features.Row(i)));
        }
    }

    [Fact]
    public void Fit_SameSeed_SameModel_OtherSeed_Differs()
    {
        var (features, window) = LagRows(TestData.Cycles(300, seed: 4));
        double[] ScoresWith(ulong seed)
        {
            var model = new TemporalConvolutionForecaster(new ForecasterOptions { Epochs = 3, Seed = seed }) { Window = window };
            model.Fit(features);
            var scores = new double[features.Rows];
            model.Score(features, scores);
            return scores;
        }

        Assert.Equal(ScoresWith(7), ScoresWith(7));
        Assert.NotEqual(ScoresWith(7), ScoresWith(8));
    }

    [Fact]
    public void Fit_NoLagWindow_ThrowsWithTheReason()
    {
        var model = new TemporalConvolutionForecaster();
        var ex = Assert.Throws<InvalidOperationException>(() => model.Fit(TestData.Gaussian(50, 3, seed: 1)));
        Assert.Contains("Lags", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ContextNotAPowerOfTwo_Throws()
    {
        var transform = new TemporalFeatures(1, new TemporalFeatureOptions { Window = 2, Lags = 12 });
        var features = transform.Transform(TestData.Gaussian(60, 1, seed: 1));
        var model = new TemporalConvolutionForecaster { Window = transform.Lags };
        Assert.Throws<ArgumentException>(() => model.Fit(features));
    }

    [Fact]
    public void Pipeline_TcnAndPcaTcnPresets_FlagTheLostCycleAndNotTheNormalOne()
    {
        var rows = TestData.Cycles(1400, seed: 5);
        var random = new Random(6);
        for (var i = 1100; i < 1200; i++)
        {
            rows[i, 0] = (random.NextDouble() * 2) - 1; // column 0 loses its cycle for 100 rows, within its normal range
        }

        foreach (var preset in new[] { "tcn", "pca-tcn" })
        {
            var pipeline = AnomalyPipeline.Fit(rows.Slice(0, 600), DetectorCatalog.Create(preset, profiling: new() { Period = 0 }));
            var verdicts = pipeline.Run(rows.Slice(600, rows.Rows - 600));

            Assert.True(verdicts.Skip(500).Take(100).Any(v => v.IsAnomaly), $"{preset}: the lost cycle is not flagged");
            Assert.True(verdicts.Take(480).Count(v => v.IsAnomaly) <= 5, $"{preset}: {verdicts.Take(480).Count(v => v.IsAnomaly)} normal rows flagged");
            Assert.Contains(verdicts.Skip(500).Take(100), v => v.IsAnomaly && v.TopColumn == 0);
        }
    }

    [Fact]
    public void Online_TcnPreset_RefitsOnItsOwnWindowsAndFlagsTheLostCycle()
    {
        // The twins' path: warm-up fit, refits on accepted rows; each refit's forecaster is told where the window lies.
        var rows = TestData.Cycles(1500, seed: 7);
        var random = new Random(8);
        for (var i = 1300; i < 1400; i++)
        {
            rows[i, 1] = 50 + (6 * random.NextDouble()) - 3;
        }

        var online = new OnlineAnomalyDetector(2, DetectorCatalog.Create("tcn", profiling: new() { Period = 0, LevelFreeColumns = [] }),
            new OnlineLearningOptions { WarmUp = 400, RefitEvery = 300, History = 1200 });
        var verdicts = new List<AnomalyVerdict>();
        for (var i = 0; i < rows.Rows; i++)
        {
            verdicts.AddRange(online.Push(rows.Row(i)));
        }

        Assert.True(online.Refits >= 2, $"{online.Refits} refits");
        Assert.True(verdicts.Skip(420).Take(860).Count(v => v.IsAnomaly) <= 5, "normal rows flagged");
        Assert.Contains(verdicts.Skip(1300).Take(100), v => v.IsAnomaly && v.TopColumn == 1);
    }

    /// <summary>Lag windows of 16 + 1 rows (nothing else), from the first full window on.</summary>
    private static (FeatureMatrix Features, LagWindow Window) LagRows(FeatureMatrix rows)
    {
        var transform = new TemporalFeatures(rows.Columns, new TemporalFeatureOptions
        {
            Window = 2, Value = false, RollingMean = false, RollingStdDev = false, Delta = false, Lags = Lags,
        });
        var all = transform.Transform(rows);
        return (all.Slice(Lags, rows.Rows - Lags), transform.Lags!);
    }
}

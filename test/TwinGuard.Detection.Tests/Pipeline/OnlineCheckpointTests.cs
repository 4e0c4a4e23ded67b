using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

public sealed class OnlineCheckpointTests
{
    private static readonly OnlineLearningOptions Learning = new() { WarmUp = 300, RefitEvery = 100, History = 1000 };

    [Theory]
    [InlineData("pca")]
    [InlineData("iforest")]
    public void Restore_AfterRefits_ScoresEveryRowAsTheOriginal(string detector)
    {
        var normal = TestData.Gaussian(900, 3, seed: 11);
        var original = new OnlineAnomalyDetector(3, DetectorCatalog.Create(detector), Learning);
        // 300 warm-up rows, then a refit every 100: the checkpoint falls right after the 4th refit was adopted.
        for (var i = 0; i < 700; i++)
        {
            original.Push(normal.Row(i));
        }

        Assert.Equal(4, original.Refits);
        var checkpoint = original.Checkpoint();
        Assert.NotSame(checkpoint.Anchor, checkpoint.Model);
        var restored = new OnlineAnomalyDetector(3, DetectorCatalog.Create(detector), Learning);
        restored.Restore(checkpoint);

        Assert.True(restored.IsFitted);
        Assert.Equal(original.ModelGeneration, restored.ModelGeneration);
        // Until the original's next refit (which the restored one waits a fresh window for), every verdict is the same.
        for (var i = 700; i < 799; i++)
        {
            var row = normal.Row(i).ToArray();
            if (i >= 760)
            {
                row[1] += 40; // an attack: flagged by both
            }

            var expected = Assert.Single(original.Push(row));
            var actual = Assert.Single(restored.Push(row));
            Assert.Equal(expected.Score, actual.Score, 12);
            Assert.Equal(expected.IsAnomaly, actual.IsAnomaly);
        }

        Assert.True(restored.Checkpoint().Counters.SinceFlag < 5);
    }

    [Fact]
    public void Restore_PeriodicColumnInferred_KeepsTheSeasonalFeaturesAndScoresAsTheOriginal()
    {
        // Column 0 repeats every 40 rows: the first fit infers the period and adds a seasonal difference, which the
        // restored detector must derive too (its feature rows have that column) and whose history the replay refills.
        var noise = TestData.Gaussian(900, 2, seed: 5, scale: 0.05);
        var data = new FeatureMatrix(900, 2);
        for (var i = 0; i < data.Rows; i++)
        {
            data.Row(i)[0] = Math.Sin(2 * Math.PI * i / 40) + noise.Row(i)[0];
            data.Row(i)[1] = noise.Row(i)[1];
        }

        var original = new OnlineAnomalyDetector(2, DetectorCatalog.Create("pca"), Learning);
        for (var i = 0; i < 650; i++)
        {
            original.Push(data.Row(i));
        }

        var checkpoint = original.Checkpoint();
        Assert.Equal(40, Assert.Single(checkpoint.Periods!).Value);
        var restored = new OnlineAnomalyDetector(2, DetectorCatalog.Create("pca"), Learning);
        restored.Restore(checkpoint with { Periods = checkpoint.Periods!.ToDictionary(p => p.Key, p => p.Value) });

        Assert.Equal(original.Pipeline!.Features.OutputColumns, restored.Pipeline!.Features.OutputColumns);
        for (var i = 650; i < 699; i++)
        {
            var expected = Assert.Single(original.Push(data.Row(i)));
            var actual = Assert.Single(restored.Push(data.Row(i)));
            Assert.Equal(expected.Score, actual.Score, 9);
        }
    }

    [Fact]
    public void Restore_WithinAPeriodOfTheFit_DifferencesAgainstTheWarmUpsLastPeriod()
    {
        // The checkpoint falls 10 rows after the fit, before a period (40 rows) has passed: the seasonal history it must
        // carry is the warm-up's last period. Without it the restored detector differenced its first 40 rows against
        // the first row it replayed, and scored a normal cycle as an anomaly.
        var data = Cycle(500, period: 40, seed: 9);
        var original = new OnlineAnomalyDetector(2, DetectorCatalog.Create("pca"), Learning);
        for (var i = 0; i < 310; i++)
        {
            original.Push(data.Row(i));
        }

        var checkpoint = original.Checkpoint();
        Assert.Equal(40, Assert.Single(checkpoint.Periods!).Value);
        Assert.True(checkpoint.Recent.Count > 40, $"the checkpoint holds {checkpoint.Recent.Count} recent rows, less than a period");
        var restored = new OnlineAnomalyDetector(2, DetectorCatalog.Create("pca"), Learning);
        restored.Restore(checkpoint);
        for (var i = 310; i < 399; i++)
        {
            var expected = Assert.Single(original.Push(data.Row(i)));
            var actual = Assert.Single(restored.Push(data.Row(i)));
            Assert.Equal(expected.Score, actual.Score, 9);
            Assert.False(actual.IsAnomaly, $"row {i} of a normal cycle was flagged after the restore");
        }
    }

    /// <summary>Column 0 a noisy sine of <paramref name="period"/> rows, column 1 noise.</summary>
    private static FeatureMatrix Cycle(int rows, int period, int seed)
    {
        var noise = TestData.Gaussian(rows, 2, seed: seed, scale: 0.05);
        var data = new FeatureMatrix(rows, 2);
        for (var i = 0; i < rows; i++)
        {
            data.Row(i)[0] = Math.Sin(2 * Math.PI * i / period) + noise.Row(i)[0];
            data.Row(i)[1] = noise.Row(i)[1];
        }

        return data;
    }

    [Fact]
    public void Restore_DuringWarmUp_FitsAtTheSameRowWithoutStartingOver()
    {
        var data = TestData.Gaussian(50, 2, seed: 2);
        var original = new OnlineAnomalyDetector(2, DetectorCatalog.Create("pca"), new OnlineLearningOptions { WarmUp = 40 });
        for (var i = 0; i < 30; i++)
        {
            Assert.Empty(original.Push(data.Row(i)));
        }

        var restored = new OnlineAnomalyDetector(2, DetectorCatalog.Create("pca"), new OnlineLearningOptions { WarmUp = 40 });
        restored.Restore(original.Checkpoint());
        for (var i = 30; i < 39; i++)
        {
            Assert.Empty(restored.Push(data.Row(i)));
        }

        Assert.Equal(40, restored.Push(data.Row(39)).Count);
        Assert.Equal(1, restored.ModelGeneration);
    }

    [Fact]
    public void Restore_RowsOfAnotherWidth_Throws()
    {
        var data = TestData.Gaussian(400, 3, seed: 4);
        var three = new OnlineAnomalyDetector(3, DetectorCatalog.Create("pca"), Learning);
        for (var i = 0; i < data.Rows; i++)
        {
            three.Push(data.Row(i));
        }

        var two = new OnlineAnomalyDetector(2, DetectorCatalog.Create("pca"), Learning);
        Assert.Throws<ArgumentException>(() => two.Restore(three.Checkpoint()));
    }
}

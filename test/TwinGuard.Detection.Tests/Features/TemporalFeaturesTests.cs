using TwinGuard.Detection.Features;

namespace TwinGuard.Detection.Tests.Features;

public sealed class TemporalFeaturesTests
{
    [Fact]
    public void Push_WindowOfThree_ComputesMeanDeviationAndDelta()
    {
        var features = new TemporalFeatures(1, new TemporalFeatureOptions { Window = 3 });
        var output = new double[4];
        foreach (var x in new[] { 1.0, 2.0, 4.0 })
        {
            features.Push([x], output);
        }

        // value 4; mean (1 + 2 + 4)/3; sample sd of {1, 2, 4} = sqrt(((−4/3)² + (−1/3)² + (5/3)²)/2) = sqrt(7/3);
        // delta against the first row (fewer than 3 rows back so far): 4 − 1.
        Assert.Equal([4.0, 7.0 / 3, Math.Sqrt(7.0 / 3), 3.0], output.Select(v => Math.Round(v, 12)).ToArray(),
            new RoundedComparer());
        features.Push([8.0], output);

        // window {2, 4, 8}; delta x(t) − x(t − 3) = 8 − 1
        Assert.Equal(14.0 / 3, output[1], 12);
        Assert.Equal(7.0, output[3], 12);
        Assert.True(features.IsWarm);
    }

    [Fact]
    public void Push_LongStream_EqualsTheWindowStatisticsToTheLastBit()
    {
        // The live path reuses each column's mean and walks the ring without division: its features must be those of
        // the plain definition, summed newest first over the window, exactly (offline and live verdicts must agree).
        const int window = 10;
        var features = new TemporalFeatures(3, new TemporalFeatureOptions { Window = window, LevelFreeColumns = [2] });
        var random = new Random(11);
        var rows = new List<double[]>();
        var output = new double[features.OutputColumns];
        for (var t = 0; t < 57; t++)
        {
            double[] row = [1e5 + random.NextDouble(), 3 * random.NextDouble(), -random.NextDouble()];
            rows.Add(row);
            features.Push(row, output);

            var seen = rows.Count;
            var filled = Math.Min(seen, window);
            var expected = new List<double> { row[0], row[1] };
            var means = new double[3];
            for (var j = 0; j < 3; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < filled; k++)
                {
                    sum += rows[seen - 1 - k][j];
                }

                means[j] = sum / filled;
            }

            expected.AddRange([means[0], means[1]]);
            for (var j = 0; j < 3; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < filled; k++)
                {
                    var d = rows[seen - 1 - k][j] - means[j];
                    sum += d * d;
                }

                expected.Add(filled < 2 ? 0.0 : Math.Sqrt(sum / (filled - 1)));
            }

            for (var j = 0; j < 3; j++)
            {
                expected.Add(row[j] - rows[seen - 1 - Math.Min(seen - 1, window)][j]);
            }

            Assert.Equal(expected, output);
        }
    }

    [Fact]
    public void FeatureNames_LevelFreeColumn_KeepsOnlyDeviationAndDelta()
    {
        var features = new TemporalFeatures(2, new TemporalFeatureOptions { Window = 5, LevelFreeColumns = [1] });

        Assert.Equal(["a", "a.mean5", "a.std5", "b.std5", "a.delta5", "b.delta5"], features.FeatureNames(["a", "b"]));
        Assert.Equal(1, features.SourceColumn(3));
    }

    [Fact]
    public void None_PassesValuesThrough()
    {
        var features = new TemporalFeatures(3, TemporalFeatureOptions.None);
        var output = new double[3];
        features.Push([1.0, 2.0, 3.0], output);

        Assert.Equal([1.0, 2.0, 3.0], output);
    }

    private sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-9;

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void Push_Lags_GivesTheWindowOldestFirst_AndALevelFreeColumnRelativeToTheLastRow()
    {
        var features = new TemporalFeatures(2, new TemporalFeatureOptions { Window = 2, Lags = 2, LevelFreeColumns = [1] });
        var output = new double[features.OutputColumns];
        var names = features.FeatureNames(["a", "b"]);
        Assert.Equal(["a", "a.mean2", "a.std2", "b.std2", "a.delta2", "b.delta2", "a.lag2", "b.lag2", "a.lag1", "b.lag1", "a.lag0", "b.lag0"], names);
        Assert.Equal(new LagWindow(6, 3, 2), features.Lags);

        features.Push([1, 10], output);
        Assert.False(features.IsWarm);

        // Before two rows have passed, the missing rows are the first row of the stream.
        Assert.Equal([1.0, 0.0, 1.0, 0.0, 1.0, 0.0], output[6..]);
        features.Push([2, 20], output);
        features.Push([3, 40], output);
        Assert.True(features.IsWarm);

        // a: 1, 2, 3; b relative to b(t − 1) = 20: 10 − 20, 20 − 20, 40 − 20.
        Assert.Equal([1.0, -10.0, 2.0, 0.0, 3.0, 20.0], output[6..]);
        Assert.Equal(2, features.WarmUpRows);
    }
}

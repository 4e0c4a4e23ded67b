using System.Globalization;
using TwinGuard.Detection.Features;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Detection.Reconstruction;
using TwinGuard.Server.Tests;

namespace TwinGuard.Detection.Tests.Pipeline;

/// <summary>
/// The per-state scoring arithmetic (rolling window statistics, standardisation, PCA T²+Q and its explanation, the
/// episode end's median) against the textbook loops it replaced, on random rows and on SKAB's sensor rows: the vector
/// code must give the same numbers to the last bit (each element is summed in the same order), so any reordering or
/// fused multiply-add that crept in fails here.
/// </summary>
public sealed class ScoringReferenceTests
{
    public static TheoryData<string> Sources => ["random", "skab"];

    [Theory]
    [MemberData(nameof(Sources))]
    public void TemporalFeatures_Rows_MatchTextbookWindowStatistics(string source)
    {
        var rows = Rows(source);
        const int window = 10;
        var features = new TemporalFeatures(rows.Columns, new TemporalFeatureOptions { Window = window });
        var d = rows.Columns;
        var output = new double[features.OutputColumns];
        Assert.Equal(4 * d, output.Length);
        for (var t = 0; t < rows.Rows; t++)
        {
            features.Push(rows.Row(t), output);
            var filled = Math.Min(t + 1, window);
            for (var j = 0; j < d; j++)
            {
                // Newest first, as the stream sums its window.
                var sum = 0.0;
                for (var k = 0; k < filled; k++)
                {
                    sum += rows[t - k, j];
                }

                var mean = sum / filled;
                var squares = 0.0;
                for (var k = 0; k < filled; k++)
                {
                    var dev = rows[t - k, j] - mean;
                    squares += dev * dev;
                }

                var std = filled < 2 ? 0.0 : Math.Sqrt(squares / (filled - 1));
                var delta = rows[t, j] - rows[t - Math.Min(t, window), j];
                Assert.Equal(rows[t, j], output[j]);
                AssertSame(mean, output[d + j], t, $"mean of column {j}");
                AssertSame(std, output[(2 * d) + j], t, $"deviation of column {j}");
                AssertSame(delta, output[(3 * d) + j], t, $"delta of column {j}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void PcaScoreAndExplain_Rows_MatchTextbookStatistics(string source)
    {
        var raw = Rows(source);
        var rows = new TemporalFeatures(raw.Columns, new TemporalFeatureOptions()).Transform(raw);
        var half = rows.Rows / 2;
        var detector = new PcaResidualDetector();
        detector.Fit(rows.Slice(0, half));
        var (loadings, eigenvalues, standardizer, t2Scale, qScale) = detector.Fitted;
        var d = rows.Columns;
        var k = detector.Components;
        Assert.InRange(k, 2, d - 1); // both statistics have work to do
        var contributions = new double[d];
        var batch = new double[rows.Rows - half];
        detector.Score(rows.Slice(half, rows.Rows - half), batch);
        for (var t = half; t < rows.Rows; t++)
        {
            var x = rows.Row(t);
            var z = new double[d];
            for (var a = 0; a < d; a++)
            {
                z[a] = (x[a] - standardizer.Mean[a]) / standardizer.Scale[a];
            }

            var projected = new double[k];
            var t2 = 0.0;
            for (var c = 0; c < k; c++)
            {
                var s = 0.0;
                for (var a = 0; a < d; a++)
                {
                    s += z[a] * loadings[(a * k) + c];
                }

                projected[c] = s;
                t2 += s * s / eigenvalues[c];
            }

            var q = 0.0;
            var expected = new double[d];
            for (var a = 0; a < d; a++)
            {
                var reconstructed = 0.0;
                var t2Part = 0.0;
                for (var c = 0; c < k; c++)
                {
                    reconstructed += projected[c] * loadings[(a * k) + c];
                    t2Part += projected[c] / eigenvalues[c] * loadings[(a * k) + c];
                }

                var residual = z[a] - reconstructed;
                q += residual * residual;
                expected[a] = (residual * residual / qScale) + Math.Max(0, t2Part * z[a] / t2Scale);
            }

            var r = (t2 / t2Scale) + (q / qScale);
            var score = r / (1 + r);
            AssertSame(score, detector.ScoreAndExplain(x, contributions), t, "score");
            AssertSame(score, detector.Score(x), t, "score without explanation");
            AssertSame(score, batch[t - half], t, "batch score");
            for (var a = 0; a < d; a++)
            {
                AssertSame(expected[a], contributions[a], t, $"contribution of feature {a}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void PcaBatchScore_EveryLengthAndOffset_MatchesEachRowScoredAlone(string source)
    {
        // The batch scores four rows per vector and the rest one at a time: every length from 1 to 13 at offsets 0 to
        // 3 puts each row in every lane and in the scalar tail. Rows with a NaN, an infinity and a huge value go through
        // the lanes too (a NaN index scores 1, as alone).
        var raw = Rows(source);
        var rows = new TemporalFeatures(raw.Columns, new TemporalFeatureOptions()).Transform(raw);
        var detector = new PcaResidualDetector();
        detector.Fit(rows.Slice(0, rows.Rows / 2));
        var probe = rows.Slice(rows.Rows - 40, 40);
        probe[5, 0] = double.NaN;
        probe[9, 1] = double.PositiveInfinity;
        probe[14, 2] = 1e300;
        for (var length = 1; length <= 13; length++)
        {
            for (var offset = 0; offset < 4; offset++)
            {
                for (var start = offset; start + length <= probe.Rows; start += length)
                {
                    var batch = new double[length];
                    detector.Score(probe.Slice(start, length), batch);
                    for (var i = 0; i < length; i++)
                    {
                        AssertSame(detector.Score(probe.Row(start + i)), batch[i], start + i, $"score in a batch of {length}");
                    }
                }
            }
        }
    }

    [Fact]
    public void OnlineAnchorVerdicts_KeptAsRowsAreLearned_MatchEveryRowScoredAfresh()
    {
        // The anchor's verdicts are kept per learned row, scored once in batches of unexplained rows, and taken from its
        // own fit's scores at the first fit and at a rebaseline: the count a refit reads must be the count of scoring
        // every unexplained learned row with the anchor now, one at a time. Through explained rows, a creep the anchor
        // rejects more and more of, forgotten rows and a rebaseline.
        var normal = TestData.Gaussian(6000, 3, seed: 21);
        var online = new OnlineAnomalyDetector(3, DetectorCatalog.Create("pca"),
            new OnlineLearningOptions { WarmUp = 300, RefitEvery = 150, History = 900, MaxAnchorRejection = 1, MaxAnchorDrift = double.PositiveInfinity });
        var random = new Random(4);
        var compared = 0;
        var rejectedSeen = 0;
        for (var i = 0; i < normal.Rows; i++)
        {
            var row = normal.Row(i).ToArray();
            row[0] += i < 4000 ? i * 4e-4 : 3;
            online.Push(row, explained: random.Next(4) == 0);
            if (i == 2500)
            {
                Assert.True(online.Forget(online.LastRow - 400, online.LastRow - 300) > 0, "nothing forgotten");
            }

            if (i == 4000)
            {
                online.Rebaseline();
            }

            if (online.IsFitted && i % 37 == 0)
            {
                var expected = online.AnchorVerdictsAfresh();
                Assert.Equal(expected, online.AnchorVerdicts());
                (compared, rejectedSeen) = (compared + 1, rejectedSeen + expected.Rejected);
            }
        }

        Assert.True(compared > 100 && rejectedSeen > 1000, $"{compared} comparisons, {rejectedSeen} rejections seen: the stream never made the anchor reject");
        Assert.True(online.Refits > 2, $"{online.Refits} refits");
    }

    [Fact]
    public void EpisodeEnd_RandomLogOdds_MedianIsTheSortedWindowsMiddle()
    {
        var random = new Random(3);
        const int window = 15;
        var end = new EpisodeEnd(new EpisodeEndOptions(), window);
        var recent = new List<double>();
        for (var t = 0; t < 20_000; t++)
        {
            if (t == 10_000)
            {
                end.Reset(); // a new stream: the window starts empty
                recent.Clear();
            }

            // Repeated values and signed zeros as well as spread ones: the removal must find the value that left.
            var value = random.Next(4) switch
            {
                0 => Math.Round(random.NextDouble() * 4) - 2,
                1 => random.Next(2) == 0 ? 0.0 : -0.0,
                _ => (random.NextDouble() - 0.5) * 20,
            };
            end.Next(value, smoothed: random.Next(3) > 0);
            recent.Add(value);
            var sorted = recent.TakeLast(window).Order().ToArray();
            var half = sorted.Length / 2;
            var median = sorted.Length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
            Assert.Equal(median, end.LastMedian);
        }
    }

    private static void AssertSame(double expected, double actual, int row, string what)
    {
        if (BitConverter.DoubleToInt64Bits(expected) != BitConverter.DoubleToInt64Bits(actual) && !(expected == 0 && actual == 0))
        {
            Assert.Fail(FormattableString.Invariant($"row {row}, {what}: {expected:R} expected, {actual:R} computed ({actual - expected:E2} apart)"));
        }
    }

    /// <summary>2,000 rows: Gaussian noise around offsets far from zero, or the first 2,000 rows of SKAB's anomaly-free run (8 sensors).</summary>
    private static FeatureMatrix Rows(string source)
    {
        if (source == "random")
        {
            var random = new Random(11);
            var matrix = new FeatureMatrix(2000, 6);
            for (var i = 0; i < matrix.Rows; i++)
            {
                var common = random.NextDouble();
                for (var j = 0; j < matrix.Columns; j++)
                {
                    // Correlated columns at very different levels (1e5 ± 1, a ratio near 0): the cases rounding shows in.
                    matrix[i, j] = (Math.Pow(10, j - 1) * (1 + random.NextDouble())) + (common * (j + 1));
                }
            }

            return matrix;
        }

        var lines = File.ReadLines(Path.Combine(SkabLocation.Find(), "data", "anomaly-free", "anomaly-free.csv")).Skip(1).Take(2000)
            .Select(l => l.Split(';').Skip(1).Take(8).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(2000, lines.Count);
        return FeatureMatrix.FromRows(lines);
    }
}

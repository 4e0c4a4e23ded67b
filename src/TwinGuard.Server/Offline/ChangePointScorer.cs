namespace TwinGuard.Server.Offline;

/// <summary>
/// The change-point score of the SKAB leaderboard: NAB (Lavin and Ahmad, 2015) with the "improved" scoring function
/// of waico/tsad's <c>chp_score</c>, windows of 60 s to the right of each true change point.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Each true change point c opens the window [c, c + 60 s]. Where a window reaches the next one's start, the right
/// window is cut: its start moves to the left window's end (tsad's default <c>cut right window</c>).</item>
/// <item>Predicted change points before the first window, strictly between windows, or after the last are false
/// positives and cost A_fp each. A window without a prediction costs A_fn.</item>
/// <item>The first prediction t in a window [s, e] earns y[k], k = floor((t − s)/(e − s) × 1000) (at most 999), where
/// y = (A_tp − A_fp)/2 · (−tanh(x)/tanh(π/2)) + (A_tp − A_fp)/2 + A_fp over x = 1000 points evenly spaced in
/// [−π/2, π/2]: A_tp at the window's start, A_fp at its end. Later predictions in the same window are ignored.</item>
/// <item>Score = 100 (S − S_null)/(S_perfect − S_null), S_null = A_fn × windows, S_perfect = A_tp × windows, with S,
/// S_null and S_perfect summed over all files first.</item>
/// </list>
/// </remarks>
internal static class ChangePointScorer
{
    private const double WindowSeconds = 60;
    private const int Detail = 1000;

    /// <summary>Scores several files at once.</summary>
    /// <param name="files">Per file: timestamps (s), true change-point flags and predicted change-point flags.</param>
    public static ChangePointScore Score(IEnumerable<(long[] Seconds, int[] Truth, bool[] Predicted)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var profiles = NabProfile.All;
        var s = new double[profiles.Count];
        var missed = 0;
        var falseAlarms = 0;
        var windows = 0;
        foreach (var (seconds, truth, predicted) in files)
        {
            var bounds = Windows(seconds, truth);
            windows += bounds.Count;
            var times = new List<long>();
            for (var i = 0; i < predicted.Length; i++)
            {
                if (predicted[i])
                {
                    times.Add(seconds[i]);
                }
            }

            var fp = 0;
            var fn = 0;
            var positions = new List<double>();
            if (bounds.Count == 0)
            {
                fp = times.Count;
            }
            else
            {
                fp += times.Count(t => t < bounds[0].Start);
                for (var w = 0; w < bounds.Count; w++)
                {
                    var (start, end) = bounds[w];
                    var first = times.FindIndex(t => t >= start && t <= end);
                    if (first < 0)
                    {
                        fn++;
                    }
                    else
                    {
                        positions.Add(end > start ? (times[first] - start) / (end - start) : 0.0);
                    }

                    var nextStart = w + 1 < bounds.Count ? bounds[w + 1].Start : double.PositiveInfinity;
                    fp += times.Count(t => t > end && t < nextStart);
                }
            }

            missed += fn;
            falseAlarms += fp;
            for (var p = 0; p < profiles.Count; p++)
            {
                var profile = profiles[p];
                s[p] += (profile.FalsePositive * fp) + (profile.FalseNegative * fn) +
                        positions.Sum(x => Reward(x, profile));
            }
        }

        double Normalised(int p)
        {
            var nul = profiles[p].FalseNegative * windows;
            var perfect = profiles[p].TruePositive * windows;
            return windows == 0 ? 0 : 100.0 * (s[p] - nul) / (perfect - nul);
        }

        return new ChangePointScore(Normalised(0), Normalised(1), Normalised(2), missed, falseAlarms, windows);
    }

    /// <summary>Predicted change points as the edges of a 0/1 prediction (where it changes).</summary>
    /// <remarks>pandas <c>prediction.diff().abs()</c>: the first row has no predecessor and is never an edge.</remarks>
    public static bool[] PlainEdges(ReadOnlySpan<bool> prediction)
    {
        var edges = new bool[prediction.Length];
        for (var i = 1; i < prediction.Length; i++)
        {
            edges[i] = prediction[i] != prediction[i - 1];
        }

        return edges;
    }

    /// <summary>Edges of the prediction smoothed by a rolling maximum over <paramref name="window"/> rows.</summary>
    /// <remarks>
    /// pandas <c>prediction.rolling(30).max().diff().abs()</c>: the first window − 1 rows have no maximum (NaN), so
    /// the first possible edge is at row <paramref name="window"/>.
    /// </remarks>
    public static bool[] RollingMaxEdges(ReadOnlySpan<bool> prediction, int window = 30)
    {
        var edges = new bool[prediction.Length];
        var smoothed = new bool[prediction.Length];
        var lastTrue = -1;
        for (var i = 0; i < prediction.Length; i++)
        {
            if (prediction[i])
            {
                lastTrue = i;
            }

            smoothed[i] = lastTrue >= 0 && i - lastTrue < window;
        }

        for (var i = window; i < prediction.Length; i++)
        {
            edges[i] = smoothed[i] != smoothed[i - 1];
        }

        return edges;
    }

    private static List<(double Start, double End)> Windows(long[] seconds, int[] truth)
    {
        var bounds = new List<(double Start, double End)>();
        for (var i = 0; i < truth.Length; i++)
        {
            if (truth[i] != 0)
            {
                bounds.Add((seconds[i], seconds[i] + WindowSeconds));
            }
        }

        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            if (bounds[i].End >= bounds[i + 1].Start)
            {
                bounds[i + 1] = (bounds[i].End, bounds[i + 1].End);
            }
        }

        return bounds;
    }

    private static double Reward(double position, NabProfile profile)
    {
        var k = Math.Min((int)(position * Detail), Detail - 1);
        var x = (-Math.PI / 2) + (k * Math.PI / (Detail - 1));
        var half = (profile.TruePositive - profile.FalsePositive) / 2;
        return (half * (-Math.Tanh(x) / Math.Tanh(Math.PI / 2))) + half + profile.FalsePositive;
    }
}

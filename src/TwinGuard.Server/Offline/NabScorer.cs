namespace TwinGuard.Server.Offline;

/// <summary>The Numenta Anomaly Benchmark's scoring of binary alarms (../shared/datasets/nab-dev/README.md).</summary>
/// <remarks>
/// Rules as the README states them (numbers refer to its list):
/// (1) the first min(⌊0.15 n⌋, 750) rows are probation: alarms there are not scored, and a window lying wholly in
/// probation is not scored either; (2) a window's first alarm at row i earns A_TP σ(−(b − i + 1)/w) / σ(−1), later
/// alarms in the window nothing, and a window without an alarm costs A_FN; (3) an alarm outside every window costs
/// A_FP σ(d), d = |i − b′| / (w′ − 1) after the end b′ of the preceding window of width w′, and the full A_FP before
/// the first window; σ(x) = 2 / (1 + e^(5x)) − 1, and −1 for x ≥ 3; (5) the corpus score is
/// 100 (S − S_null) / (S_perfect − S_null) with S_null = A_FN and S_perfect = A_TP per scored window.
/// </remarks>
internal static class NabScorer
{
    /// <summary>Rows of a file of <paramref name="rows"/> rows that are not scored (rule 1).</summary>
    public static int Probation(int rows) => Math.Min(rows * 15 / 100, 750);

    /// <summary>NAB's scaled sigmoid (rule 3).</summary>
    public static double Sigma(double x) => x >= 3 ? -1 : (2 / (1 + Math.Exp(5 * x))) - 1;

    /// <summary>Scores one file's alarms against its windows (in time order, not overlapping) under <paramref name="profile"/>.</summary>
    public static NabFileScore Score(IReadOnlyList<bool> alarms, IReadOnlyList<NabWindow> windows, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(profile);
        var probation = Probation(alarms.Count);
        var fpCost = Math.Abs(profile.FalsePositive);
        var maxTp = Sigma(-1);
        var best = new double?[windows.Count];
        var falseScore = 0.0;
        var falseAlarms = 0;
        var next = 0; // the first window not yet ended
        for (var i = probation; i < alarms.Count; i++)
        {
            while (next < windows.Count && windows[next].End < i)
            {
                next++;
            }

            if (!alarms[i])
            {
                continue;
            }

            if (next < windows.Count && windows[next].Start <= i)
            {
                var w = windows[next];
                var reward = profile.TruePositive * Sigma(-(w.End - i + 1) / (double)w.Width) / maxTp;
                best[next] = Math.Max(best[next] ?? double.NegativeInfinity, reward);
                continue;
            }

            falseAlarms++;
            if (next == 0)
            {
                falseScore -= fpCost;
            }
            else
            {
                var previous = windows[next - 1];
                falseScore += fpCost * Sigma(Math.Abs(i - previous.End) / (double)Math.Max(1, previous.Width - 1));
            }
        }

        var scored = 0;
        var detected = 0;
        var total = falseScore;
        for (var k = 0; k < windows.Count; k++)
        {
            if (windows[k].End < probation)
            {
                continue;
            }

            scored++;
            if (best[k] is { } reward)
            {
                detected++;
                total += reward;
            }
            else
            {
                total += profile.FalseNegative;
            }
        }

        return new NabFileScore(total, scored, detected, falseAlarms);
    }

    /// <summary>The corpus score, normalised between a detector that never alarms (0) and a perfect one (100).</summary>
    public static double Normalise(IEnumerable<NabFileScore> files, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(profile);
        var list = files.ToList();
        var windows = list.Sum(f => f.Windows);
        var worst = profile.FalseNegative * windows;
        var perfect = profile.TruePositive * windows;
        return perfect == worst ? 0 : 100 * (list.Sum(f => f.Score) - worst) / (perfect - worst);
    }
}

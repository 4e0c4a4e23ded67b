namespace TwinGuard.Detection.Thresholds;

/// <summary>A decision threshold on scores in [0, 1], calibrated on the scores of training rows.</summary>
/// <param name="Value">Scores strictly above this are anomalies.</param>
/// <param name="Method">How it was calibrated, for reports (e.g. <c>quantile 0.99 x2</c>).</param>
/// <remarks>
/// A multiplier acts on the odds s / (1 − s), not on the score: scores live in [0, 1], and for the reconstruction
/// detectors the odds are the detector's own index (T²+Q, reconstruction error), so "twice the 99th percentile of
/// training error" means what it says.
/// </remarks>
public sealed record ScoreThreshold(double Value, string Method)
{
    /// <summary>True when <paramref name="score"/> is above the threshold.</summary>
    public bool IsAnomaly(double score) => score > Value;

    /// <summary>
    /// The threshold raised by <paramref name="factor"/> in odds, as a calibration multiplier would raise it: always below
    /// 1, so that no factor puts it out of reach of every score.
    /// </summary>
    public double RaisedBy(double factor) => ScaleOdds(Value, factor);

    /// <summary>The <paramref name="quantile"/> of the training scores, times <paramref name="multiplier"/> in odds.</summary>
    public static ScoreThreshold Quantile(ReadOnlySpan<double> trainingScores, double quantile, double multiplier = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(multiplier);
        var q = QuantileOf(trainingScores, quantile);
        return new ScoreThreshold(ScaleOdds(q, multiplier), FormattableString.Invariant($"quantile {quantile} x{multiplier}"));
    }

    /// <summary>
    /// Peaks over threshold: fits a generalised Pareto distribution to the training scores' excesses over their
    /// <paramref name="initialQuantile"/> and returns the score exceeded with probability <paramref name="risk"/>.
    /// </summary>
    /// <remarks>
    /// Pickands–Balkema–de Haan: excesses over a high threshold u are approximately GPD(γ, σ). Siffer et al.,
    /// "Anomaly detection in streams with extreme value theory", KDD 2017, eq. 1: z_q = u + σ/γ ((q n / N_u)^(−γ) − 1),
    /// with the γ → 0 limit u − σ ln(q n / N_u). γ and σ come from the method of moments (Hosking and Wallis,
    /// Technometrics 29(3), 1987), which is robust with the few dozen excesses a short training window gives. The fit
    /// is made on the odds scale, where the tail of a bounded score is not squashed against 1.
    /// </remarks>
    public static ScoreThreshold PeaksOverThreshold(ReadOnlySpan<double> trainingScores, double risk = 1e-3,
        double initialQuantile = 0.9, double multiplier = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(risk);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(risk, 1.0);
        var odds = new double[trainingScores.Length];
        for (var i = 0; i < odds.Length; i++)
        {
            odds[i] = Odds(trainingScores[i]);
        }

        var u = QuantileOf(odds, initialQuantile);
        var excesses = odds.Where(o => o > u).Select(o => o - u).ToArray();
        var name = FormattableString.Invariant($"POT risk {risk} x{multiplier}");
        if (excesses.Length < 3)
        {
            return new ScoreThreshold(ScaleOdds(FromOdds(odds.Max()), multiplier), name);
        }

        var mean = excesses.Average();
        var variance = excesses.Sum(e => (e - mean) * (e - mean)) / (excesses.Length - 1);
        double z;
        var ratio = risk * odds.Length / excesses.Length;
        if (variance <= 0)
        {
            z = u + mean;
        }
        else
        {
            var gamma = 0.5 * (1 - (mean * mean / variance));
            var sigma = 0.5 * mean * ((mean * mean / variance) + 1);
            z = Math.Abs(gamma) < 1e-6 ? u - (sigma * Math.Log(ratio)) : u + (sigma / gamma * (Math.Pow(ratio, -gamma) - 1));
        }

        z = Math.Max(z, u);
        return new ScoreThreshold(ScaleOdds(FromOdds(z), multiplier), name);
    }

    /// <summary>The <paramref name="quantile"/> of <paramref name="values"/> with linear interpolation (Hyndman–Fan type 7).</summary>
    /// <remarks>
    /// Needs two order statistics, not a sorted copy: a selection finds them in linear time (a refit takes a dozen
    /// quantiles of a few thousand scores, and sorting them was a third of the fit). The same two values as sorting, so
    /// the same result to the bit; with a NaN among the values it sorts, where NaN comes first.
    /// </remarks>
    public static double QuantileOf(ReadOnlySpan<double> values, double quantile)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        var copy = values.ToArray();
        var h = (copy.Length - 1) * quantile;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, copy.Length - 1);
        double low, high;
        if (Array.Exists(copy, double.IsNaN) || double.IsNaN(h))
        {
            Array.Sort(copy);
            (low, high) = (copy[lo], copy[hi]);
        }
        else
        {
            low = Select(copy, lo);
            high = hi == lo ? low : Min(copy.AsSpan(lo + 1)); // every value after position lo is at least the lo-th
        }

        return low + ((h - lo) * (high - low));
    }

    /// <summary>The <paramref name="k"/>-th smallest of <paramref name="values"/> (0-based), reordering them so that none after position k is smaller.</summary>
    /// <remarks>Quickselect with a three-way partition (Bentley–McIlroy), so runs of equal scores cost no extra passes.</remarks>
    private static double Select(Span<double> values, int k)
    {
        var (left, right) = (0, values.Length - 1);
        while (right > left)
        {
            var (a, b, c) = (values[left], values[left + ((right - left) / 2)], values[right]);
            var pivot = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c)); // median of three
            var (less, i, greater) = (left, left, right);
            while (i <= greater)
            {
                if (values[i] < pivot)
                {
                    (values[less], values[i]) = (values[i], values[less]);
                    (less, i) = (less + 1, i + 1);
                }
                else if (values[i] > pivot)
                {
                    (values[i], values[greater]) = (values[greater], values[i]);
                    greater--;
                }
                else
                {
                    i++;
                }
            }

            if (k < less)
            {
                right = less - 1;
            }
            else if (k > greater)
            {
                left = greater + 1;
            }
            else
            {
                return values[k];
            }
        }

        return values[k];
    }

    private static double Min(ReadOnlySpan<double> values)
    {
        var min = values[0];
        foreach (var v in values)
        {
            min = v < min ? v : min;
        }

        return min;
    }

    private static double Odds(double score) => score >= 1 ? double.MaxValue : score / (1 - score);

    private static double FromOdds(double odds) => odds >= double.MaxValue ? 1.0 : odds / (1 + odds);

    private static double ScaleOdds(double score, double multiplier) =>
        multiplier == 1.0 ? score : FromOdds(Odds(score) * multiplier);
}

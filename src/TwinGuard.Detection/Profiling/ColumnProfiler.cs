namespace TwinGuard.Detection.Profiling;

/// <summary>
/// Infers each column's behaviour from a training window: constant, discrete (set-point-like), drifting (a level that
/// trends, so only level-free features are meaningful), and a dominant period found by autocorrelation.
/// </summary>
/// <remarks>
/// Order of the rules: constant, then discrete, then periodic, then drifting. A column with a period keeps its level
/// (the seasonal difference carries the cycle); a drifting one loses it. Autocorrelation is taken on the linearly
/// detrended values of at most the last <see cref="MaxRowsForPeriod"/> rows, over lags 2 .. n/2, and the period is the
/// lag of the highest peak after the autocorrelation first falls below zero (Box and Jenkins' correlogram reading):
/// noise and random walks have no such peak.
/// </remarks>
public static class ColumnProfiler
{
    /// <summary>Rows used for the autocorrelation (the most recent ones); bounds the work to O(rows × lags).</summary>
    public const int MaxRowsForPeriod = 20_000;

    /// <summary>Profiles every column of <paramref name="training"/> (rows in time order).</summary>
    public static ColumnProfile[] Infer(FeatureMatrix training, ColumnProfilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        options ??= new ColumnProfilerOptions();
        var profiles = new ColumnProfile[training.Columns];
        var column = new double[training.Rows];
        for (var j = 0; j < training.Columns; j++)
        {
            for (var i = 0; i < training.Rows; i++)
            {
                column[i] = training[i, j];
            }

            profiles[j] = Profile(column, j, options);
        }

        return profiles;
    }

    private static ColumnProfile Profile(double[] x, int index, ColumnProfilerOptions options)
    {
        var distinct = CountDistinct(x, options.MaxDiscreteValues + 1);
        var (trendShare, slope, residual) = Detrend(x);
        var persistence = TrendPersistence(x, slope);
        var smoothness = VonNeumannRatio(x);
        var userLevelFree = options.LevelFreeColumns?.Contains(index);
        var overridden = userLevelFree is not null || options.Period is not null;
        if (distinct <= 1)
        {
            return new ColumnProfile(ColumnKind.Constant, userLevelFree ?? false, 0, 0, 2, 0, distinct, overridden, 0);
        }

        var (period, strength) = options.Period is { } forced
            ? (Math.Max(0, forced), 0.0)
            : DominantPeriod(residual, options);
        if (distinct <= options.MaxDiscreteValues)
        {
            return new ColumnProfile(ColumnKind.Discrete, userLevelFree ?? false, period, trendShare, smoothness, strength, distinct, overridden, persistence);
        }

        // A trend counts as drift only while it lasts: a start-up ramp (a warm-up, a pump coming up to speed) that has
        // settled by the second half of the window leaves a level the window does pin down.
        var trending = trendShare >= options.DriftTrendShare && persistence >= options.DriftTrendPersistence;
        var drifting = period == 0 && (trending || smoothness < options.DriftSmoothness);
        var (plateauShare, plateaus) = drifting ? Plateaus(x, options.LevelShiftWindow) : (1.0, 1);

        // Operating changes, not drift: the level moved by shifts between several stable plateaus (set-points, stops and
        // starts), and within the plateaus it barely wanders. The window has seen those operating points; their levels
        // are the normal the features should keep.
        drifting &= plateaus < options.MinPlateaus || plateauShare >= options.MaxPlateauShare;
        return new ColumnProfile(
            drifting ? ColumnKind.Drifting : ColumnKind.Continuous,
            userLevelFree ?? drifting,
            period,
            trendShare,
            smoothness,
            strength,
            distinct,
            overridden,
            persistence,
            plateauShare,
            plateaus);
    }

    /// <summary>
    /// Splits <paramref name="x"/> at its level shifts and returns the share of its variance left within the plateaus
    /// between them (1 when it has no shift) and how many plateaus there are.
    /// </summary>
    /// <remarks>
    /// A level shift is where the median of the next <paramref name="w"/> rows differs from the median of the previous
    /// <paramref name="w"/> by an outlier among all such differences: beyond the universal threshold √(2 ln m) robust
    /// deviations (1.4826 × MAD) of the m differences (Donoho and Johnstone 1994). A slow drift or a random walk moves
    /// the medians by about the same amount everywhere, so it has no outlier; a step (through the lag of a drive or a
    /// valve stroke) stands out against the flat plateaus around it. Medians make one-row spikes no shift. The rows
    /// within <paramref name="w"/> of a shift are the transition and belong to no plateau; the plateaus' variance is
    /// taken about each one's median, against the variance of the same rows about their mean.
    /// </remarks>
    private static (double Share, int Plateaus) Plateaus(double[] x, int w)
    {
        var n = x.Length;
        if (w < 1 || n < 4 * w)
        {
            return (1, 1);
        }

        var differences = new double[n - (2 * w) + 1];
        var scratch = new double[Math.Max(w, n)];
        for (var t = w; t <= n - w; t++)
        {
            differences[t - w] = Median(x.AsSpan(t, w), scratch) - Median(x.AsSpan(t - w, w), scratch);
        }

        var centre = Median(differences, scratch);
        var deviations = new double[differences.Length];
        for (var i = 0; i < differences.Length; i++)
        {
            deviations[i] = Math.Abs(differences[i] - centre);
        }

        var limit = Math.Sqrt(2 * Math.Log(differences.Length)) * 1.4826 * Median(deviations, scratch);
        if (!(limit > 0))
        {
            return (1, 1); // most medians do not move at all (a coarsely quantised column): no shift can be told apart
        }

        var transition = new bool[n];
        for (var i = 0; i < differences.Length; i++)
        {
            if (deviations[i] > limit)
            {
                var t = i + w;
                transition.AsSpan(t - w, 2 * w).Fill(true);
            }
        }

        double within = 0, sum = 0, sumSquares = 0;
        var (plateaus, rows, start) = (0, 0, -1);
        for (var i = 0; i <= n; i++)
        {
            var inPlateau = i < n && !transition[i];
            if (inPlateau && start < 0)
            {
                start = i;
            }
            else if (!inPlateau && start >= 0)
            {
                var plateau = x.AsSpan(start, i - start);
                var median = Median(plateau, scratch);
                foreach (var v in plateau)
                {
                    within += (v - median) * (v - median);
                    (sum, sumSquares) = (sum + v, sumSquares + (v * v));
                }

                (plateaus, rows, start) = (plateaus + 1, rows + plateau.Length, -1);
            }
        }

        var total = rows > 0 ? sumSquares - (sum * sum / rows) : 0;
        return total > 0 ? (within / total, plateaus) : (1, plateaus);
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count), sorted in <paramref name="scratch"/>.</summary>
    private static double Median(ReadOnlySpan<double> values, double[] scratch)
    {
        var sorted = scratch.AsSpan(0, values.Length);
        values.CopyTo(sorted);
        sorted.Sort();
        var half = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    }

    private static double VonNeumannRatio(double[] x)
    {
        var mean = x.Average();
        double successive = 0, variance = 0;
        for (var i = 0; i < x.Length; i++)
        {
            variance += (x[i] - mean) * (x[i] - mean);
            if (i > 0)
            {
                successive += (x[i] - x[i - 1]) * (x[i] - x[i - 1]);
            }
        }

        return variance > 0 ? successive / (x.Length - 1) / (variance / x.Length) : 2;
    }

    private static int CountDistinct(double[] x, int bound)
    {
        var seen = new HashSet<double>();
        foreach (var v in x)
        {
            if (seen.Add(v) && seen.Count >= bound)
            {
                break;
            }
        }

        return seen.Count;
    }

    /// <summary>
    /// The least-squares slope of the second half of <paramref name="x"/> over <paramref name="slope"/>, the whole
    /// window's: about 1 for a trend that goes on at its rate, about 0 for one that has stopped, negative for one that
    /// has turned; 1 when the window is too short to halve or has no slope (nothing to contradict).
    /// </summary>
    private static double TrendPersistence(double[] x, double slope)
    {
        if (x.Length < 8 || slope == 0)
        {
            return 1;
        }

        var late = x[(x.Length / 2)..];
        var (_, lateSlope, _) = Detrend(late);
        return lateSlope / slope;
    }

    /// <summary>R² of a least-squares line through (row, value), its slope per row, and the residuals.</summary>
    private static (double Share, double Slope, double[] Residual) Detrend(double[] x)
    {
        var n = x.Length;
        var tMean = (n - 1) / 2.0;
        var xMean = x.Average();
        double stt = 0, stx = 0, sxx = 0;
        for (var i = 0; i < n; i++)
        {
            var dt = i - tMean;
            var dx = x[i] - xMean;
            stt += dt * dt;
            stx += dt * dx;
            sxx += dx * dx;
        }

        var slope = stt > 0 ? stx / stt : 0;
        var residual = new double[n];
        for (var i = 0; i < n; i++)
        {
            residual[i] = x[i] - xMean - (slope * (i - tMean));
        }

        var share = sxx > 0 ? Math.Clamp(slope * stx / sxx, 0, 1) : 0;
        return (share, slope, residual);
    }

    private static (int Period, double Strength) DominantPeriod(double[] residual, ColumnProfilerOptions options)
    {
        var start = Math.Max(0, residual.Length - MaxRowsForPeriod);
        var x = residual.AsSpan(start);
        var n = x.Length;
        var maxLag = Math.Min(options.MaxPeriod, n / 2);
        if (maxLag < 2)
        {
            return (0, 0);
        }

        var mean = 0.0;
        foreach (var v in x)
        {
            mean += v;
        }

        mean /= n;
        var variance = 0.0;
        foreach (var v in x)
        {
            variance += (v - mean) * (v - mean);
        }

        if (variance <= 0)
        {
            return (0, 0);
        }

        var acf = new double[maxLag + 2];
        for (var lag = 1; lag <= maxLag + 1 && lag < n; lag++)
        {
            var sum = 0.0;
            for (var i = lag; i < n; i++)
            {
                sum += (x[i] - mean) * (x[i - lag] - mean);
            }

            acf[lag] = sum / variance;
        }

        var crossed = false;
        var best = 0;
        for (var lag = 2; lag <= maxLag; lag++)
        {
            crossed |= acf[lag] < 0;
            if (crossed && lag >= options.MinPeriod && acf[lag] > acf[lag - 1] && acf[lag] >= acf[lag + 1] && (best == 0 || acf[lag] > acf[best]))
            {
                best = lag;
            }
        }

        return best > 0 && acf[best] >= options.MinPeriodStrength ? (best, acf[best]) : (0, 0);
    }
}

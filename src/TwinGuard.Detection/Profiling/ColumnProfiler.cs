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
        return new ColumnProfile(
            drifting ? ColumnKind.Drifting : ColumnKind.Continuous,
            userLevelFree ?? drifting,
            period,
            trendShare,
            smoothness,
            strength,
            distinct,
            overridden,
            persistence);
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

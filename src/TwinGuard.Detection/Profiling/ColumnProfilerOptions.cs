namespace TwinGuard.Detection.Profiling;

/// <summary>The rules <see cref="ColumnProfiler"/> applies to a training window.</summary>
/// <remarks>
/// The defaults are statements about signals, not about any data set: a column is drifting when a straight line
/// through time explains at least a quarter of its training variance and still rises (or falls) in the window's second
/// half at at least half its rate, or when its level wanders slowly (von Neumann ratio below 0.5), unless its level
/// moved by shifts between at least six stable plateaus that hold three quarters of its variance (operating changes); periodic when its detrended autocorrelation has a
/// peak of at least 0.5 at a lag seen at least twice in the window; discrete when it takes at most 10 values.
/// </remarks>
public sealed record ColumnProfilerOptions
{
    /// <summary>Minimum share of variance (R²) a linear trend must explain for the column to be drifting.</summary>
    /// <value>0.25.</value>
    public double DriftTrendShare { get; init; } = 0.25;

    /// <summary>
    /// Smallest ratio of the trend's slope over the second half of the window to its slope over the whole window for
    /// the trend to count as drift. A drift goes on at its rate (ratio about 1); a start-up transient that settled
    /// early in the window (a warm-up, a pump coming up to speed) has a flat second half (ratio about 0), and its level
    /// is pinned by that half. ½ is the midpoint between the two (0, 0.25 and 0.75 were measured too:
    /// docs/detection.md). Negative infinity keeps every trend (the rule before).
    /// </summary>
    /// <value>0.5.</value>
    public double DriftTrendPersistence { get; init; } = 0.5;

    /// <summary>
    /// Largest von Neumann ratio (mean squared successive difference over variance: 2 for white noise, near 0 for a
    /// level that wanders slowly) of a drifting column: below it, row-to-row changes are a small part of the variance,
    /// so most of it is a slow wander whose level the training window cannot pin down. 0 turns the test off.
    /// </summary>
    /// <value>0.5.</value>
    public double DriftSmoothness { get; init; } = 0.5;

    /// <summary>
    /// Rows compared on each side of a level shift (their medians), and the rows on each side of it that are its
    /// transition: the features' rolling window.
    /// </summary>
    /// <value>10.</value>
    public int LevelShiftWindow { get; init; } = 10;

    /// <summary>
    /// A column the drift rules call drifting keeps its level when less than this share of its variance is left within
    /// the plateaus between its level shifts (and it has <see cref="MinPlateaus"/> of them): the level moved by operating
    /// changes (set-points, stops and starts), not by drift. A quarter, as <see cref="DriftTrendShare"/>: three quarters
    /// of the variance are the plateaus' levels. 0 turns the test off.
    /// </summary>
    /// <value>0.25.</value>
    public double MaxPlateauShare { get; init; } = 0.25;

    /// <summary>
    /// Fewest plateaus for <see cref="MaxPlateauShare"/> to apply: a window with one or two level shifts saw an event (a
    /// cooling, a leak), not a plant running through its operating points, and does not show where the level goes next.
    /// </summary>
    /// <value>6.</value>
    public int MinPlateaus { get; init; } = 6;

    /// <summary>Shortest period looked for, in rows (shorter cycles sit inside the rolling window's statistics).</summary>
    /// <value>2.</value>
    public int MinPeriod { get; init; } = 2;

    /// <summary>Minimum autocorrelation at the dominant lag for the column to be periodic.</summary>
    /// <value>0.5.</value>
    public double MinPeriodStrength { get; init; } = 0.5;

    /// <summary>Longest period looked for, in rows (bounds the ring buffer a periodic column keeps).</summary>
    /// <value>10,000.</value>
    public int MaxPeriod { get; init; } = 10_000;

    /// <summary>Most distinct values of a discrete column.</summary>
    /// <value>10.</value>
    public int MaxDiscreteValues { get; init; } = 10;

    /// <summary>User override: these columns are level-free whatever the data says (null: inferred).</summary>
    public IReadOnlyCollection<int>? LevelFreeColumns { get; init; }

    /// <summary>User override: this period in rows for every non-constant column, 0 for none (null: inferred).</summary>
    public int? Period { get; init; }
}

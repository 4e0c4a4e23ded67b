namespace TwinGuard.Detection.Features;

/// <summary>Which features over time <see cref="TemporalFeatures"/> derives from each input column.</summary>
public sealed record TemporalFeatureOptions
{
    /// <summary>Rows in the rolling window; 1 turns every derived feature off and passes values through.</summary>
    /// <value>10.</value>
    public int Window { get; init; } = 10;

    /// <summary>Keep the current value.</summary>
    public bool Value { get; init; } = true;

    /// <summary>Rolling mean over the window.</summary>
    public bool RollingMean { get; init; } = true;

    /// <summary>Rolling sample standard deviation over the window.</summary>
    public bool RollingStdDev { get; init; } = true;

    /// <summary>Change over the window: x(t) − x(t − window).</summary>
    public bool Delta { get; init; } = true;

    /// <summary>
    /// Input columns whose level is not informative (a slowly drifting temperature): only their rolling deviation and
    /// delta are kept, not their value or rolling mean.
    /// </summary>
    public IReadOnlyCollection<int> LevelFreeColumns { get; init; } = [];

    /// <summary>
    /// Input columns with a period in rows: each gains a seasonal difference x(t) − x(t − period), which is near zero
    /// when the cycle repeats whatever the phase. Each such column keeps the last period + 1 values.
    /// </summary>
    public IReadOnlyDictionary<int, int> Periods { get; init; } = new Dictionary<int, int>();

    /// <summary>
    /// A window of the last <c>Lags + 1</c> values of every input column (x(t − Lags) .. x(t)), appended after every other
    /// feature, oldest row first, the columns in input order within a row: the input of a sequence model
    /// (<see cref="Sequence.TemporalConvolutionForecaster"/>). A level-free column gives x(t − k) − x(t − 1) instead of
    /// x(t − k), so only its changes are seen. 0 (the default) adds none.
    /// </summary>
    /// <value>0.</value>
    public int Lags { get; init; }

    /// <summary>Passes values through unchanged.</summary>
    public static TemporalFeatureOptions None { get; } = new() { Window = 1, RollingMean = false, RollingStdDev = false, Delta = false };
}

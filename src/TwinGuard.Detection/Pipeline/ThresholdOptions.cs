namespace TwinGuard.Detection.Pipeline;

/// <summary>How a pipeline calibrates its threshold on the training scores.</summary>
public sealed record ThresholdOptions
{
    /// <summary>Use peaks-over-threshold (a GPD tail fit) instead of a plain quantile.</summary>
    public bool PeaksOverThreshold { get; init; }

    /// <summary>The training-score quantile (quantile method).</summary>
    /// <value>0.99.</value>
    public double Quantile { get; init; } = 0.99;

    /// <summary>The exceedance probability (peaks-over-threshold method).</summary>
    /// <value>0.001.</value>
    public double Risk { get; init; } = 1e-3;

    /// <summary>Multiplier on the odds of the calibrated threshold: a safety margin for a short training window.</summary>
    /// <value>1.</value>
    public double Multiplier { get; init; } = 1.0;

    /// <summary>Fewest rows per fold for <see cref="Folds"/> to be used.</summary>
    public const int MinRowsPerFold = 20;

    /// <summary>
    /// Calibrate on held-out scores: the training rows are cut into this many contiguous blocks, and each block is
    /// scored by a detector fitted on the others. 0 or 1 calibrates on the final detector's own (in-sample) scores.
    /// </summary>
    /// <value>0.</value>
    public int Folds { get; init; }

    /// <summary>Calibrates the threshold on <paramref name="trainingScores"/>.</summary>
    public Thresholds.ScoreThreshold Calibrate(ReadOnlySpan<double> trainingScores) => PeaksOverThreshold
        ? Thresholds.ScoreThreshold.PeaksOverThreshold(trainingScores, Risk, multiplier: Multiplier)
        : Thresholds.ScoreThreshold.Quantile(trainingScores, Quantile, Multiplier);
}
